"""Parsing every message form of scripts/vmstate-static-checker.py and reconciling them."""

from __future__ import annotations

from pathlib import Path

import pytest
from art_dumpfix import base, clone

from bot.artifacts.compare import compare_dumps
from bot.artifacts.kinds import BWD, FWD, extra_get
from bot.artifacts.sandbox import Limits, Sandbox
from bot.artifacts.upstream import parse_output, reconcile, run_upstream
from bot.findings import Severity

LINES = [
    ('Warning: checking incompatible machine types: "pc-i440fx-2.1", "pc-i440fx-2.2"',
     "machine", "vmschkmachine", ""),
    ('Section "fw_cfg" does not exist in dest', "section-missing", "fw_cfg", ""),
    ('Section "cfi.pflash01": Entry "Description" missing', "section-entry", "cfi.pflash01", ""),
    ('Section "fusbh200-ehci-usb" version error: 2 > 1', "section-version",
     "fusbh200-ehci-usb", ""),
    ('Section "PIIX3-xen" Description "PIIX3": version error: 3 > 1', "version", "PIIX3-xen",
     "PIIX3"),
    ('Section "PIIX3-xen" Description "PIIX3": minimum version error: 1 < 2', "min-version",
     "PIIX3-xen", "PIIX3"),
    ('Section "PIIX3-xen" Section "PIIX3-xen" Description "PIIX3": minimum version error: 1 < 2',
     "min-version", "PIIX3-xen", "PIIX3"),
    ('Section "tpci200": Description "tpci200" missing, got "tpci2002" instead; skipping',
     "desc-renamed", "tpci200", "tpci200"),
    ('Section "PIIX3-xen" Description "PIIX3": Entry "Subsections" missing', "desc-entry",
     "PIIX3-xen", "PIIX3"),
    ('Section "megasas", Description "PCIDevice": expected field "irq_state", while dest has no '
     'further fields', "no-more-fields", "megasas", "PCIDevice"),
    ('Section "x", Description "y": unused size mismatch near " f"', "unused-size", "x", "y"),
    ('Section "fusbh200-ehci-usb", Description "ehci-core": expected field "usbsts", got '
     '"usbsts_pending"; skipping rest', "field-mismatch", "fusbh200-ehci-usb", "ehci-core"),
    ('Section "usb-kbd" Description "usb-kbd" Field "kbd.keycodes" size mismatch: 4 , 2', "size",
     "usb-kbd", "usb-kbd"),
    ('Section "intel-hda-generic", Description "intel-hda", Field "pci": missing description',
     "missing-desc", "intel-hda-generic", "intel-hda"),
    ('Section "sun-fdtwo", Description "fdrive": Subsection "fdrive/media_rate" not found',
     "subsection", "sun-fdtwo", "fdrive"),
]


@pytest.mark.parametrize(("line", "form", "sec", "desc"), LINES)
def test_every_form_parses(line: str, form: str, sec: str, desc: str) -> None:
    reps, unknown = parse_output(line + "\n", FWD)
    assert unknown == []
    assert [(r.form, r.section, r.description) for r in reps] == [(form, sec, desc)]


def test_unknown_lines_are_kept() -> None:
    reps, unknown = parse_output("something new\n", BWD)
    assert reps == [] and unknown == ["something new"]


def test_reconcile_marks_both_and_downgrades_spurious() -> None:
    old = base()
    new = clone(old)
    del new["mydev"]["Description"]["Fields"][1]
    builtin = compare_dumps(old, new)
    reps, _ = parse_output(
        'Section "mydev", Description "mydev": expected field "ctrl", got "status"; skipping rest\n'
        'Section "sd-card", Description "sd-card": Subsection "sd-card/ext" not found\n', FWD)
    out = reconcile(builtin, reps)
    assert len(out) == 2
    seen = out[0]
    assert extra_get(seen, "checker") == "builtin+upstream" and seen.rule == "MIG002"
    note = out[1]
    assert note.severity is Severity.NOTE and extra_get(note, "checker") == "upstream"
    assert "not a wire problem" in note.message


def test_upstream_only_mode_reports_errors() -> None:
    reps, _ = parse_output('Section "fw_cfg" does not exist in dest\n', FWD)
    (f,) = reconcile(None, reps)
    assert f.severity is Severity.ERROR and f.rule == "MIG020"
    assert extra_get(f, "direction") == FWD


FAKE_CHECKER = '''
import argparse, json, sys
p = argparse.ArgumentParser()
p.add_argument("-s"); p.add_argument("-d"); p.add_argument("--reverse", action="store_true")
a = p.parse_args()
s, d = json.load(open(a.s)), json.load(open(a.d))
if a.reverse:
    s, d = d, s
n = 0
for k in s:
    if k not in d:
        print('Section "%s" does not exist in dest' % k); n += 1
sys.exit(n)
'''


def test_run_upstream_both_directions(tmp_path: Path) -> None:
    import json

    script = tmp_path / "vmstate-static-checker.py"
    script.write_text(FAKE_CHECKER)
    old, new = base(), clone(base())
    del new["serial-isa"]
    (tmp_path / "a.json").write_text(json.dumps(old))
    (tmp_path / "b.json").write_text(json.dumps(new))
    reps = run_upstream(script, tmp_path / "a.json", tmp_path / "b.json", sandbox=Sandbox(),
                        limits=Limits(), workdir=tmp_path)
    assert [(r.form, r.section, r.direction) for r in reps] == [
        ("section-missing", "serial-isa", FWD)]
    out = reconcile(compare_dumps(old, new), reps)
    assert len(out) == 1 and extra_get(out[0], "checker") == "builtin+upstream"


def test_duplicate_subsection_reports_are_explained(tmp_path: Path) -> None:
    d = base()
    reps, _ = parse_output(
        'Section "sd-card", Description "sd-card/ext": expected field "key", got "ext_csd"; '
        "skipping rest\n", FWD)
    (f,) = reconcile(compare_dumps(d, d), reps, d, d)
    assert f.severity is Severity.NOTE and "occurs more than once" in f.message


def test_dumps_command_with_upstream_script(tmp_path: Path) -> None:
    import json

    from bot.commands.dumps_cmd import main

    script = tmp_path / "checker.py"
    script.write_text(FAKE_CHECKER)
    a = tmp_path / "a.json"
    a.write_text(json.dumps(base()))
    new = clone(base())
    del new["serial-isa"]
    b = tmp_path / "b.json"
    b.write_text(json.dumps(new))
    assert main(["compare", str(a), str(a), "--checker", "both", "--upstream-script",
                 str(script)]) == 0
    assert main(["compare", str(a), str(b), "--checker", "upstream", "--upstream-script",
                 str(script)]) == 1
