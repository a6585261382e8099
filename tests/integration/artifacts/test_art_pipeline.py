"""run_artifacts end to end: prebuilt binaries, and a fixture build whose product runs the
real QEMU; progress phases; a migration-only breakage reported with migration evidence."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from art_buildfix import commit_all, make_project, unit_c

from bot.artifacts.build import BuildProfile
from bot.artifacts.kinds import extra_get
from bot.artifacts.pipeline import ArtifactOptions, choose_machines, run_artifacts, vmsd_locator
from bot.findings import Evidence

QEMU = shutil.which("qemu-system-x86_64")
# CI installs Debian's qemu-system-x86 (scripts/test): missing QEMU is a failure, not a skip.
assert QEMU is not None, "qemu-system-x86_64 is required (apt-get install qemu-system-x86)"
pytestmark = [pytest.mark.qemu]

FAKE_CHECKER = '''import sys
sys.exit(0)
'''


def test_choose_machines_takes_newest_common_of_the_target_families() -> None:
    base = [("pc-i440fx-7.1", ""), ("pc-i440fx-7.2", ""), ("pc-q35-7.2", ""), ("microvm", ""),
            ("isapc", "")]
    head = [*base, ("pc-q35-8.0", "")]
    assert choose_machines(base, head, "x86_64") == ["pc-i440fx-7.2", "pc-q35-7.2"]


def test_prebuilt_binaries_same_qemu_no_findings(tmp_path: Path) -> None:
    assert QEMU is not None
    phases: list[str] = []
    fs = run_artifacts("", "", "", ArtifactOptions(
        src_binary=QEMU, dst_binary=QEMU, workdir=str(tmp_path), checker="builtin",
        devices=("e1000,romfile=",), progress=lambda p, n, m, d: phases.append(p))).findings
    assert fs == ()
    assert {"dump", "compare", "migrate"} <= set(phases)


def test_device_missing_on_destination_is_a_migration_finding(tmp_path: Path) -> None:
    assert QEMU is not None
    wrapper = tmp_path / "qemu-head"
    # "head" silently drops the watchdog device: the dump cannot see it, migration does.
    wrapper.write_text('#!/bin/sh\nfor a; do shift; [ "$a" = i6300esb ] && a=pvpanic; '
                       f'set -- "$@" "$a"; done\nexec {QEMU} "$@"\n')
    wrapper.chmod(0o755)
    fs = run_artifacts("", "", "", ArtifactOptions(
        src_binary=QEMU, dst_binary=str(wrapper), machines=("pc-i440fx-7.2",),
        workdir=str(tmp_path / "w"), checker="builtin", devices=("i6300esb",))).findings
    assert len(fs) == 1  # new->old: pvpanic has no vmstate, a missing section is ignored
    fwd = next(f for f in fs if extra_get(f, "direction") == "old->new")
    assert fwd.evidence == (Evidence.MIGRATION,) and "i6300esb_wdt" in fwd.message
    assert fwd.category.value == "section-removed"


def test_fixture_build_then_dump_compare_migrate(tmp_path: Path) -> None:
    repo, base = make_project(tmp_path, units=3)
    (repo / "scripts").mkdir()
    (repo / "scripts" / "vmstate-static-checker.py").write_text(FAKE_CHECKER)
    (repo / "hw.c").write_text('static const VMStateDescription vmstate_e1000 = {\n'
                               '    .name = "e1000",\n};\n')
    base = commit_all(repo, "add checker")
    (repo / "src" / "unit1.c").write_text(unit_c(1, "int y = 2; (void)y;"))
    head = commit_all(repo, "head")
    phases: list[tuple[str, int, int]] = []
    fs = run_artifacts(str(repo), base, head, ArtifactOptions(
        workdir=str(tmp_path / "w"), machines=("pc-q35-7.2",), checker="both",
        profile=BuildProfile("x86_64", ("--target-list=x86_64-softmmu",),
                             "qemu-system-x86_64"),
        progress=lambda p, n, m, d: phases.append((p, n, m)))).findings
    assert fs == ()
    names = [p for p, _, _ in phases]
    assert names.index("configure") < names.index("compile") < names.index("dump") \
        < names.index("compare") < names.index("migrate")
    loc = vmsd_locator(tmp_path / "w" / "b" / "src")
    assert loc("e1000") == ("hw.c", 1)


def test_devices_the_machine_cannot_create_are_left_out_with_a_note(tmp_path: Path) -> None:
    assert QEMU is not None
    fs = run_artifacts("", "", "", ArtifactOptions(
        src_binary=QEMU, dst_binary=QEMU, machines=("pc-q35-7.2",), workdir=str(tmp_path),
        checker="builtin", devices=("no-such-device", "e1000,romfile="))).findings
    assert len(fs) == 1 and fs[0].severity.value == "note"
    assert "no-such-device" in fs[0].message


def test_machines_must_be_known_to_both_binaries(tmp_path: Path) -> None:
    """A `--machines` name (from a GitLab command or the CLI) must be a machine type both
    binaries list: never a path, which would name a dump directory outside the work dir."""
    from bot.errors import ArtifactError

    assert QEMU is not None
    outside = tmp_path / "outside"
    for bad in (str(outside), "../../escape", "no-such-machine-9.9"):
        with pytest.raises(ArtifactError, match="not known to both binaries"):
            run_artifacts("", "", "", ArtifactOptions(
                src_binary=QEMU, dst_binary=QEMU, machines=(bad,),
                workdir=str(tmp_path / "work"), checker="builtin"))
    assert not outside.exists()  # no dump directory was made there
