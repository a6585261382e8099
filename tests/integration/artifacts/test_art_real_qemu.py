"""Real Debian qemu-system-x86_64: dumps compared with themselves and with edited copies, and
file migrations that succeed and that fail with the destination's error; nothing left running."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from bot.artifacts.compare import compare_dumps
from bot.artifacts.dump import QemuBinary, dump_vmstate, list_machines, newest_versioned
from bot.artifacts.kinds import extra_get
from bot.artifacts.migrate import migrate_once, migration_finding
from bot.artifacts.sandbox import Budget, Limits, probe, run_limited
from bot.commands.dumps_cmd import main as dumps_main
from bot.errors import ArtifactError
from bot.findings import Evidence

QEMU = shutil.which("qemu-system-x86_64")
# CI installs Debian's qemu-system-x86 (scripts/test): missing QEMU is a failure, not a skip.
assert QEMU is not None, "qemu-system-x86_64 is required (apt-get install qemu-system-x86)"
pytestmark = [pytest.mark.qemu]
MACHINES = ("pc-i440fx-7.2", "pc-q35-7.2")


def qemu_pids(token: str | Path) -> set[int]:
    """Processes whose command line holds `token` (this test's dir or name: other people's
    QEMU runs on a shared machine are none of this test's business)."""
    out = subprocess.run(["pgrep", "-f", str(token)], capture_output=True,
                         text=True, check=False).stdout
    return {int(x) for x in out.split()}


@pytest.fixture(scope="module")
def dumps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    assert QEMU is not None
    d = tmp_path_factory.mktemp("dumps")
    sb = probe(True)
    return {m: dump_vmstate(QemuBinary(QEMU), m, d / f"{m}.json", sandbox=sb, limits=Limits())
            for m in MACHINES}


def first_with(d: dict[str, Any], pred: Any) -> str:
    for k, v in d.items():
        if k != "vmschkmachine" and pred(v["Description"]):
            return k
    raise AssertionError("no such section")


@pytest.mark.parametrize("machine", MACHINES)
def test_real_dump_compared_with_itself_is_silent(dumps: dict[str, Any], machine: str) -> None:
    d = dumps[machine]
    assert d["vmschkmachine"]["Name"] == machine and len(d) > 100
    assert compare_dumps(d, copy.deepcopy(d)) == ()


@pytest.mark.parametrize("machine", MACHINES)
def test_real_dump_edits_give_the_right_findings(dumps: dict[str, Any], machine: str) -> None:
    old = dumps[machine]
    # remove a section
    new = copy.deepcopy(old)
    del new["e1000"]
    fs = compare_dumps(old, new)
    assert [(f.rule, f.entity, extra_get(f, "direction")) for f in fs] == [
        ("MIG020", "e1000", "old->new")]
    # remove a field (the last of a plain, non-test field list)
    key = first_with(old, lambda d: len(d.get("Fields", [])) > 2 and not d.get("Subsections")
                     and all(not f.get("field_exists") and "Description" not in f
                             and f["version_id"] <= d["version_id"] for f in d["Fields"]))
    new = copy.deepcopy(old)
    gone = new[key]["Description"]["Fields"].pop(1)
    fs = compare_dumps(old, new)
    sections_sharing = {k for k, v in old.items() if k != "vmschkmachine"
                        and v["Description"] == old[key]["Description"]}
    assert {f.rule for f in fs} == {"MIG002"}
    assert any(f.entity.endswith("." + gone["field"]) and extra_get(f, "section") == key
               for f in fs)
    assert len(sections_sharing) >= 1
    # bump minimum_version_id above the version old sources send
    new = copy.deepcopy(old)
    dd = new["e1000"]["Description"]
    dd["version_id"] = dd["minimum_version_id"] = new["e1000"]["version_id"] = \
        new["e1000"]["minimum_version_id"] = old["e1000"]["version_id"] + 1
    fs = compare_dumps(old, new)
    assert [(f.rule, f.severity.value, extra_get(f, "direction")) for f in fs] == [
        ("MIG004", "error", "both")]
    # rename a subsection
    key = first_with(old, lambda d: len(d.get("Subsections", [])) >= 1)
    new = copy.deepcopy(old)
    sub = new[key]["Description"]["Subsections"][0]
    oldname = sub["name"]
    sub["name"] = oldname + "-renamed"
    fs = compare_dumps(old, new)
    assert [(f.rule, f.entity) for f in fs] == [("MIG005", f"{key}/{oldname}")]
    assert "renamed" in fs[0].message and fs[0].evidence == (Evidence.DUMP,)


def test_dumps_cli_on_real_files(dumps: dict[str, Any], tmp_path: Path) -> None:
    a = tmp_path / "a.json"
    a.write_text(json.dumps(dumps["pc-q35-7.2"]))
    b = tmp_path / "b.json"
    edited = copy.deepcopy(dumps["pc-q35-7.2"])
    del edited["e1000"]
    b.write_text(json.dumps(edited))
    assert dumps_main(["compare", str(a), str(a)]) == 0
    assert dumps_main(["compare", str(a), str(b), "--format", "json"]) == 1


def test_machine_list_and_newest() -> None:
    assert QEMU is not None
    ms = list_machines(QemuBinary(QEMU), sandbox=probe(True), limits=Limits(), workdir="/tmp")
    newest = newest_versioned(ms)
    assert "pc-i440fx-7.2" in newest and "pc-q35-7.2" in newest


@pytest.mark.parametrize("machine", MACHINES)
def test_real_migration_between_two_instances_succeeds(tmp_path: Path, machine: str) -> None:
    assert QEMU is not None
    before = qemu_pids(tmp_path)
    q = QemuBinary(QEMU)
    r = migrate_once(q, q, machine, workdir=tmp_path, sandbox=probe(True), limits=Limits(),
                     devices=["e1000,romfile="])
    assert r.ok and r.error == "" and r.stream_bytes > 0 and r.dst_status == "completed"
    assert migration_finding(r, "old->new") is None
    assert qemu_pids(tmp_path) <= before


def test_real_migration_with_a_device_on_one_side_fails_with_dest_error(tmp_path: Path) -> None:
    assert QEMU is not None
    before = qemu_pids(tmp_path)
    q = QemuBinary(QEMU)
    r = migrate_once(q, q, "pc-i440fx-7.2", workdir=tmp_path, sandbox=probe(True),
                     limits=Limits(), devices=["i6300esb"], dst_devices=[])
    assert not r.ok
    assert "section or instance '0000:00:02.0/i6300esb_wdt'" in r.error
    f = migration_finding(r, "old->new")
    assert f is not None and f.evidence == (Evidence.MIGRATION,)
    assert f.category.value == "section-removed" and extra_get(f, "vmsd") == "i6300esb_wdt"
    assert "Unknown" in f.message
    assert qemu_pids(tmp_path) <= before


def test_real_migration_between_machine_types_fails(tmp_path: Path) -> None:
    assert QEMU is not None
    q = QemuBinary(QEMU)
    r = migrate_once(q, q, "pc-i440fx-7.2", dst_machine="pc-q35-7.2", workdir=tmp_path,
                     sandbox=probe(True), limits=Limits())
    assert not r.ok and "Machine type received is 'pc-i440fx-7.2'" in r.error


def test_bad_machine_raises_and_reaps(tmp_path: Path) -> None:
    assert QEMU is not None
    before = qemu_pids(tmp_path)
    q = QemuBinary(QEMU)
    with pytest.raises(ArtifactError, match="exited at startup"):
        migrate_once(q, q, "no-such-machine", workdir=tmp_path, sandbox=probe(True),
                     limits=Limits())
    assert qemu_pids(tmp_path) <= before


def test_hung_qemu_is_killed_by_the_run_timeout(tmp_path: Path) -> None:
    """A paused QEMU never exits on its own: the limit kills its whole group, nothing stays."""
    assert QEMU is not None
    name = f"migcheck-hung-{uuid.uuid4().hex}"  # in QEMU's own command line; unique per run
    before = qemu_pids(name)
    sb = probe(True)
    w = sb.own(tmp_path / "w")
    r = run_limited(sb, [QEMU, "-M", "pc-i440fx-7.2", "-nodefaults", "-S", "-display", "none",
                         "-name", name],
                    cwd=w, writable=[w], budget=Budget(2, Limits().run_memory))
    assert r.timed_out and r.returncode != 0 and 1.5 < r.seconds < 60
    assert before == set() and qemu_pids(name) == set()


def test_memory_limit_applies_to_qemu(tmp_path: Path) -> None:
    assert QEMU is not None
    sb = probe(True)
    w = sb.own(tmp_path / "w")
    r = run_limited(sb, [QEMU, "-M", "pc-i440fx-7.2", "-m", "4G", "-nodefaults", "-S",
                         "-display", "none", "-accel", "tcg"],
                    cwd=w, writable=[w], budget=Budget(20, 1 << 30))
    assert not r.timed_out and r.returncode != 0
    assert "cannot set up guest memory" in r.output or "Cannot allocate" in r.output


def test_dump_starts_qemu_with_the_run_accelerator(tmp_path: Path) -> None:
    """QEMU starts its accelerator before -dump-vmstate: a KVM-only build (the default
    profile where KVM is usable) failed to dump without `-accel kvm` and /dev/kvm. The
    stand-in binary dumps only when it is given the accelerator."""
    assert QEMU is not None
    sb = probe(True)
    fake = tmp_path / "bin" / "qemu-system-x86_64"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\ncase " $* " in\n  *" -accel tcg "*) exec ' + QEMU + ' "$@" ;;\n'
                    'esac\necho "failed to initialize kvm: No such file or directory" >&2\n'
                    'exit 1\n')
    fake.chmod(0o755)
    with pytest.raises(ArtifactError, match="failed to initialize kvm"):
        dump_vmstate(QemuBinary(str(fake)), "pc-i440fx-7.2", tmp_path / "a.json", sandbox=sb,
                     limits=Limits())
    d = dump_vmstate(QemuBinary(str(fake)), "pc-i440fx-7.2", tmp_path / "b.json", sandbox=sb,
                     limits=Limits(), accel="tcg")
    assert d["vmschkmachine"]["Name"] == "pc-i440fx-7.2"
    if sb.kvm:  # where the sandbox user can open /dev/kvm, the KVM run sees it
        d = dump_vmstate(QemuBinary(QEMU), "pc-i440fx-7.2", tmp_path / "c.json", sandbox=sb,
                         limits=Limits(), accel="kvm")
        assert d["vmschkmachine"]["Name"] == "pc-i440fx-7.2"
