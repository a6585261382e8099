"""`--against BINARY`: the head build migrates from and to a released QEMU (Debian's 7.2
here) on every versioned machine type both support, per machine type and direction; a
failure the base build does not have is the series' (an error), one it has too is not."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from art_buildfix import MAIN_C, commit_all, make_project

from bot.artifacts.against import common_versioned
from bot.artifacts.build import BuildProfile
from bot.artifacts.pipeline import ArtifactOptions, run_artifacts
from bot.cli import main
from bot.report import Report
from bot.reporters import json_out, text
from bot.series import Series

QEMU = shutil.which("qemu-system-x86_64")
# CI installs Debian's qemu-system-x86 (scripts/test): missing QEMU is a failure, not a skip.
assert QEMU is not None, "qemu-system-x86_64 is required (apt-get install qemu-system-x86)"
pytestmark = [pytest.mark.qemu]

# The tiny fixture's product with an edit: every VM it runs (those with a QMP socket) also
# gets an i6300esb watchdog, as if the series put a new device with migration state on every
# board. The released binary has no such section: head->release must fail, release->head not.
EDITED_MAIN_C = r"""#include <unistd.h>
#include <stdio.h>
#include <string.h>
extern const char *helper(void);
int main(int argc, char **argv) {
    char *args[512];
    int n = 0, vm = 0;
    if (helper()[0] == 'X') fprintf(stderr, "never\n");
    for (int i = 0; i < argc && n < 500; i++) {
        args[n++] = argv[i];
        if (!strcmp(argv[i], "-qmp")) vm = 1;
    }
    if (vm) { args[n++] = "-device"; args[n++] = "i6300esb"; }
    args[n] = NULL;
    args[0] = "/usr/bin/qemu-system-x86_64";
    execv(args[0], args);
    perror("execv");
    return 127;
}
"""
PROFILE = BuildProfile("x86_64", ("--target-list=x86_64-softmmu",), "qemu-system-x86_64")


def _machines() -> list[tuple[str, str]]:
    assert QEMU is not None
    out = subprocess.run([QEMU, "-M", "help"], capture_output=True, text=True, check=True)
    return [(ln.split(None, 1)[0], "") for ln in out.stdout.splitlines()[1:] if ln.strip()]


def test_common_versioned_is_the_intersection_of_the_families() -> None:
    released = [("pc-i440fx-7.2", ""), ("pc-i440fx-2.12", ""), ("pc-q35-7.2", ""),
                ("pc-q35-2.4", ""), ("pc", ""), ("q35", ""), ("microvm", ""), ("xenfv-4.2", ""),
                ("pc-i440fx-1.4", "")]  # fmt: skip
    head = [("pc-i440fx-10.2", ""), ("pc-i440fx-7.2", ""), ("pc-i440fx-2.12", ""),
            ("pc-q35-10.2", ""), ("pc-q35-7.2", ""), ("microvm", ""),
            ("xenfv-4.2", "")]  # fmt: skip
    assert common_versioned(released, head, ("pc-i440fx", "pc-q35")) == [
        "pc-i440fx-7.2", "pc-i440fx-2.12", "pc-q35-7.2"]  # fmt: skip
    assert "xenfv-4.2" in common_versioned(released, head, ())
    real = common_versioned(_machines(), _machines(), ("pc-i440fx", "pc-q35"))
    assert len(real) > 40 and real[0] == "pc-i440fx-7.2" and "pc-q35-2.4" in real


def test_debian_qemu_against_itself_on_every_common_machine_type(tmp_path: Path) -> None:
    """Prebuilt base and head (the same binary) against the same binary: every versioned
    machine type of both families, both directions, all fine, with a touched device."""
    assert QEMU is not None
    events: list[tuple[str, int, int]] = []
    run = run_artifacts("", "", "", ArtifactOptions(
        src_binary=QEMU, dst_binary=QEMU, machines=("pc-q35-7.2",), checker="builtin",
        workdir=str(tmp_path), migrate=False, against=QEMU, devices=("e1000,romfile=",),
        progress=lambda p, d, t, _: events.append((p, d, t))))  # fmt: skip
    want = common_versioned(_machines(), _machines(), ("pc-i440fx", "pc-q35"))
    assert [c.machine for c in run.against[::2]] == want
    assert {c.direction for c in run.against} == {"old->new", "new->old"}
    assert len(run.against) == 2 * len(want) and all(c.ok for c in run.against)
    assert run.against[0].version.startswith("QEMU emulator version 7.2")
    assert run.findings == () and run.preexisting == 0
    steps = [e for e in events if e[0] == "against"]
    assert steps[0] == ("against", 0, 2 * len(want)) and steps[-1][1] == steps[-1][2]


def _edited_project(tmp_path: Path) -> tuple[Path, str, str]:
    repo, base = make_project(tmp_path, units=2)
    assert "execv" in MAIN_C
    (repo / "src" / "main.c").write_text(EDITED_MAIN_C)
    head = commit_all(repo, "hw/watchdog: an i6300esb on every board")
    return repo, base, head


def test_edited_fixture_build_fails_one_way_against_the_release(tmp_path: Path) -> None:
    assert QEMU is not None
    repo, base, head = _edited_project(tmp_path)
    run = run_artifacts(str(repo), base, head, ArtifactOptions(
        workdir=str(tmp_path / "w"), machines=("pc-q35-7.2",), checker="builtin",
        profile=PROFILE, migrate=False, against=QEMU,
        against_machines=("pc-i440fx-7.2", "pc-q35-7.2", "pc-q35-4.2")))  # fmt: skip
    by = {(c.machine, c.direction): c for c in run.against}
    assert len(by) == 6
    for m in ("pc-i440fx-7.2", "pc-q35-7.2", "pc-q35-4.2"):
        assert by[(m, "old->new")].ok  # a section the stream lacks is fine
        bad = by[(m, "new->old")]
        assert not bad.ok and "i6300esb" in bad.error and bad.base_too is False
    (f,) = [f for f in run.findings if f.rule == "ART011"]
    assert f.severity.value == "error" and "from the head build to QEMU emulator version 7.2" \
        in f.message
    assert set(dict(f.extra)["machines"].split(",")) == {"pc-i440fx-7.2", "pc-q35-7.2",
                                                         "pc-q35-4.2"}  # fmt: skip

    report = Report(Series(base, head, (), ()), run.findings, against=run.against)
    out = text.render(report)
    assert f"against {QEMU} (QEMU emulator version 7.2" in out
    assert "3 machine types, 6 migrations, 3 ok, 3 failed" in out
    line = next(ln for ln in out.splitlines() if ln.startswith("  pc-q35-4.2 "))
    assert "release->head ok" in line and "head->release FAILED: " in line
    doc = json.loads(json_out.render(report))
    assert list(doc)[-2:] == ["against", "stats"] and len(doc["against"]) == 6


def test_base_failing_too_is_not_the_series_fault(tmp_path: Path) -> None:
    """Base and head both add the device: the failure against the release is the base's."""
    assert QEMU is not None
    repo, _, edited = _edited_project(tmp_path)
    (repo / "src" / "unit0.c").write_text("int unit0(void) { return 7; }\n")
    head = commit_all(repo, "unrelated")
    run = run_artifacts(str(repo), edited, head, ArtifactOptions(
        workdir=str(tmp_path / "w"), machines=("pc-q35-7.2",), checker="builtin",
        profile=PROFILE, migrate=False, against=QEMU,
        against_machines=("pc-q35-7.2",)))  # fmt: skip
    bad = [c for c in run.against if not c.ok]
    assert len(bad) == 1 and bad[0].base_too is True
    assert not [f for f in run.findings if f.rule == "ART011"] and run.preexisting == 1


def test_cli_against_needs_an_executable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, head = _edited_project(tmp_path)
    rc = main(["check", "--repo", str(repo), "--no-index", "--build", "--against",
               str(tmp_path / "nope"), f"{base}..{head}"])  # fmt: skip
    assert rc == 2 and "not an executable file" in capsys.readouterr().err


def test_cli_reports_each_machine_and_direction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert QEMU is not None
    repo, base, head = _edited_project(tmp_path)
    rc = main(["check", "--repo", str(repo), "--no-index", "--build", "--src-binary", QEMU,
               "--dst-binary", QEMU, "--machines", "pc-q35-7.2", "--no-migrate", "--against",
               QEMU, "--against-machines", "pc-q35-7.2,pc-i440fx-2.8", "--progress",
               f"{base}..{head}"])  # fmt: skip
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "2 machine types, 4 migrations, 4 ok, 0 failed" in out
    assert any(ln.startswith("  pc-i440fx-2.8  release->head ok") for ln in out.splitlines())
    assert " against 4/4 done in " in err
