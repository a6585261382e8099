"""`migcheck check --build` end to end: a real git repository (pygit2) whose series changes a
PCI device's vmsd, Debian's qemu-system-x86_64 as both the base and the head binary.

The same binary on both sides must give a clean verdict (exit 0, no error finding), and the
real migration must have run both ways with the device the series touches (found by the
source layer) present: its section is in both migration streams.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parents[1]
for _d in ("unit/sources", "integration/artifacts"):
    if str(_TESTS / _d) not in sys.path:
        sys.path.insert(0, str(_TESTS / _d))

from art_buildfix import wdt_source  # noqa: E402
from gitfix import GitRepo  # noqa: E402

from bot.cli import main  # noqa: E402

QEMU = shutil.which("qemu-system-x86_64")
# CI installs Debian's qemu-system-x86 (.ci/run): a missing QEMU is a failure, not a skip.
assert QEMU is not None, "qemu-system-x86_64 is required (apt-get install qemu-system-x86)"
pytestmark = [pytest.mark.qemu]
MACHINE = "pc-i440fx-7.2"

PCI_H = """\
#ifndef HW_PCI_PCI_DEVICE_H
#define HW_PCI_PCI_DEVICE_H
#define TYPE_PCI_DEVICE "pci-device"
#endif
"""
# Our own small device source under the name of a device Debian's QEMU has.
WDT_BASE = wdt_source(("timer",))
SUBSECTION = """\
static bool wdt_reboot_needed(void *opaque)
{
    WdtState *d = opaque;

    return d->reboot != 0;
}

static const VMStateDescription vmstate_wdt_reboot = {
    .name = "i6300esb_wdt/reboot",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = wdt_reboot_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(reboot, WdtState),
        VMSTATE_END_OF_LIST()
    }
};

"""
# A compatible change: the new state goes into a subsection sent only when needed.
WDT_HEAD = (
    WDT_BASE.replace(
        "static const VMStateDescription vmstate_wdt = {", SUBSECTION + "static const "
        "VMStateDescription vmstate_wdt = {"
    ).replace(
        "        VMSTATE_END_OF_LIST()\n    }\n};\n\nstatic void wdt_class_init",
        "        VMSTATE_END_OF_LIST()\n    },\n"
        "    .subsections = (const VMStateDescription * const []) {\n"
        "        &vmstate_wdt_reboot,\n        NULL\n    }\n};\n\nstatic void wdt_class_init",
    )
)


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert WDT_HEAD.count("vmstate_wdt_reboot") == 2 and ".subsections" in WDT_HEAD
    r = GitRepo(tmp_path / "repo")
    base = r.commit(
        {
            "VERSION": "7.2.0\n",
            "include/hw/pci/pci_device.h": PCI_H,
            "hw/watchdog/wdt_i6300esb.c": WDT_BASE,
        },
        "base",
    )
    r.tag("base", base)
    r.commit({"hw/watchdog/wdt_i6300esb.c": WDT_HEAD}, "hw/watchdog: migrate the reboot flag")
    return r


def test_check_build_migrates_touched_device(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert QEMU is not None
    work = tmp_path / "w"
    rc = main(
        [
            "check", "--repo", str(repo.path), "--format", "json", "--build",
            "--src-binary", QEMU, "--dst-binary", QEMU, "--machines", MACHINE,
            "--workdir", str(work), "--progress", "base..master",
        ]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "Traceback" not in err
    doc = json.loads(out)
    assert [f for f in doc["findings"] if f["severity"] == "error"] == [], doc["findings"]
    assert all("extra" in f for f in doc["findings"])
    # The source layer found the touched device and handed it to the real migration.
    assert "added to the real migration: i6300esb" in err, err
    # Progress (asked for: stderr is no terminal here): one machine dumped, compared and
    # migrated.
    assert f" machines 0/1 (0%) {MACHINE}: dump" in err, err
    assert " machines 1/1 done in " in err, err
    # Both directions really migrated, through a stream that carries the device's section.
    assert (work / "dumps" / MACHINE / "base.json").stat().st_size > 0
    streams = {p.name: p.read_bytes() for p in work.glob("mig-*/*.stream")}
    assert sorted(streams) == ["b.stream", "f.stream"], streams.keys()
    for name, data in streams.items():
        assert len(data) > 100_000, name
        assert b"i6300esb_wdt" in data, name


# A stand-in for the tree's scripts/vmstate-static-checker.py with the upstream checker's
# habit: it complains about the base compared with itself (a repeated subsection name that
# base and head share), and reports one thing only when the head is involved.
CHECKER = """\
import sys
src, dst = sys.argv[sys.argv.index("-s") + 1], sys.argv[sys.argv.index("-d") + 1]
print('Section "fw_cfg", Description "fw_cfg": Subsection "fw_cfg/acpi_mr" not found')
if "head" in src + dst:
    print('Section "i6300esb_wdt" Description "i6300esb_wdt": Entry "Subsections" missing')
"""


def test_problems_the_base_has_against_itself_are_not_the_series(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert QEMU is not None
    base = repo.commit({"scripts/vmstate-static-checker.py": CHECKER}, "checker")
    repo.tag("base2", base)
    repo.commit({"hw/watchdog/wdt_i6300esb.c": WDT_BASE + "\n"}, "hw/watchdog: touch")
    argv = ["check", "--repo", str(repo.path), "--build", "--src-binary", QEMU,
            "--dst-binary", QEMU, "--machines", MACHINE, "--no-migrate",
            "--workdir", str(tmp_path / "w"), "--fail-on", "never"]  # fmt: skip
    assert main([*argv, "--format", "json", "base2..master"]) == 0
    doc = json.loads(capsys.readouterr().out)
    upstream = [f["extra"].get("upstream", "") for f in doc["findings"]]
    assert not any("fw_cfg" in u for u in upstream), upstream  # the base's own complaint
    assert sum("i6300esb_wdt" in u for u in upstream) == 2, upstream  # both ways: the series'
    assert doc["stats"]["preexisting"] == 1  # one problem, reported both ways, left out
    assert main([*argv, "--format", "text", "base2..master"]) == 0
    text = capsys.readouterr().out
    assert "1 problem the base already has left out" in text
    assert "      seen by dump (upstream; pc-i440fx-7.2)\n" in text, text
