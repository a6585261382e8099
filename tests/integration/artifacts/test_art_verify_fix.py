"""`check --build --verify-fix` on the tiny fixture project: the fix draft of a removed
vmstate field is applied to the head build's source tree, the tree is rebuilt
incrementally (the product still runs Debian's QEMU), the base dump is compared with the
drafted head's and the machine migrates both ways; the report says so, and the build's
source tree is back at head afterwards."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from art_buildfix import commit_all, make_project, wdt_source

from bot.cli import main

QEMU = shutil.which("qemu-system-x86_64")
# CI installs Debian's qemu-system-x86 (scripts/test): missing QEMU is a failure, not a skip.
assert QEMU is not None, "qemu-system-x86_64 is required (apt-get install qemu-system-x86)"
pytestmark = [pytest.mark.qemu]
MACHINE = "pc-q35-7.2"

WDT = wdt_source(("reboot", "timer"))


def test_draft_rebuilt_dumped_and_migrated_both_ways(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = make_project(tmp_path, units=2)
    (repo / "VERSION").write_text("7.2.0\n")
    (repo / "hw" / "watchdog").mkdir(parents=True)
    wdt = repo / "hw" / "watchdog" / "wdt.c"
    wdt.write_text(WDT)
    base = commit_all(repo, "base: the watchdog")
    head_text = WDT.replace("        VMSTATE_UINT32(reboot, WdtState),\n", "")
    wdt.write_text(head_text)
    head = commit_all(repo, "hw/watchdog: drop the reboot flag from the stream")
    work = tmp_path / "w"
    argv = ["check", "--repo", str(repo), "--no-index", "--build", "--verify-fix",
            "--machines", MACHINE, "--checker", "builtin", "--workdir", str(work),
            "--format", "json", "--progress", f"{base}..{head}"]  # fmt: skip
    assert main(argv) == 1  # the removed field is an error until the draft is applied
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    (f,) = [f for f in json.loads(out)["findings"] if f["rule"] == "MIG002"]
    assert "VMSTATE_UNUSED(4), /* was reboot */" in f["fix_draft"]
    assert f["fix_check"] == f"fix verified by migration ({MACHINE} both ways)", f
    # the draft was built as its own side after head (ninja had nothing to recompile: the
    # draft changes no file the tiny project compiles), dumped next to base and head
    assert (work / "b" / "draft1" / "qemu-system-x86_64").is_file()
    assert (work / "dumps" / MACHINE / "draft1.json").stat().st_size > 0
    assert sorted(p.name for p in work.glob("draft1-*/*.stream")) == ["b.stream", "f.stream"]
    # the build's source tree is the head again
    assert (work / "b" / "src" / "hw" / "watchdog" / "wdt.c").read_text() == head_text
