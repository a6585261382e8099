"""The fixture harness itself: discovery, annotation anchoring, comparison both ways."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixturelib import FixtureError, compare, discover

from bot.findings import Category, Finding, Severity


def write(root: Path, rel: str, text: str) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


def finding(rule: str, line: int, side: str = "new", path: str = "hw/misc/a.c") -> Finding:
    return Finding(
        rule,
        "x",
        Severity.ERROR,
        Category.OTHER,
        "high",
        "msg",
        "hint",
        path,
        line,
        side,
        "e",
        fingerprint=f"{rule}{line}{side}",
    )


OLD = """\
static const VMStateDescription vmstate_a = {
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(x, S), // expect-old: MIG002
        VMSTATE_END_OF_LIST()
    },
};
"""

NEW = """\
// fixture-path: hw/char/a.c
static const VMStateDescription vmstate_a = { // ok: MIG004
    .fields = (const VMStateField[]) {
        // expect: MIG001, MIG001
        VMSTATE_UINT32(y, S),
        VMSTATE_BOOL(z, S), /* todo-expect: MIG003 */
        VMSTATE_END_OF_LIST()
    },
    .name = "// expect: MIG009",
};
"""


def test_single_file_case(tmp_path: Path) -> None:
    write(tmp_path, "MIG001/basic.old.c", OLD)
    write(tmp_path, "MIG001/basic.new.c", NEW)
    write(tmp_path, "MIG001/added.new.c", "int x; // expect: MIG024\n")
    write(tmp_path, "README", "not a case")
    cases = {c.name: c for c in discover(tmp_path)}
    assert set(cases) == {"basic", "added"}
    basic = cases["basic"]
    assert list(basic.files) == ["hw/char/a.c"]
    ann = basic.annotations()
    assert ann.expect == {
        ("MIG001", "new", "hw/char/a.c", 5): 2,  # standalone comment anchors on next code line
        ("MIG002", "old", "hw/char/a.c", 3): 1,
    }
    assert ann.ok == {("MIG004", "new", "hw/char/a.c", 2): 1}
    assert ann.todo_expect == {("MIG003", "new", "hw/char/a.c", 6): 1}
    # the string literal is not a comment
    assert "MIG009" not in ann.mentions()
    added = cases["added"]
    series = added.series()
    fc = series.patches[0].files[0]
    assert (fc.old_path, fc.new_path, fc.old) == (None, "hw/misc/added.c", None)
    assert series.folded == series.patches[0].files


def test_expect_in_old_file_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "MIG001/bad.old.c", "int x; // expect: MIG001\n")
    write(tmp_path, "MIG001/bad.new.c", "int y;\n")
    (case,) = discover(tmp_path)
    with pytest.raises(FixtureError, match="expect-old"):
        case.annotations()


def test_annotation_on_a_define_line_is_an_error(tmp_path: Path) -> None:
    # tree-sitter reads the comment as the macro's value: it would be dropped silently
    write(tmp_path, "MIG041/bad.old.c", "#define N 4\n")
    write(tmp_path, "MIG041/bad.new.c", "#define N 8 // expect: MIG041\n")
    (case,) = discover(tmp_path)
    with pytest.raises(FixtureError, match=r"new.c|preprocessor line"):
        case.annotations()
    # alone on the line before, it anchors on the #define and is read
    write(tmp_path, "MIG041/bad.new.c", "// expect: MIG041\n#define N 8\n")
    (case,) = discover(tmp_path)
    assert sum(case.annotations().expect.values()) == 1


def test_multi_file_case(tmp_path: Path) -> None:
    write(tmp_path, "MIG030/prop/old/VERSION", "10.2.50\n")
    write(tmp_path, "MIG030/prop/new/VERSION", "10.2.50\n")
    write(tmp_path, "MIG030/prop/old/hw/misc/foo.c", "int a;\n")
    write(tmp_path, "MIG030/prop/new/hw/misc/foo.c", "int a;\nint b; // expect: MIG030\n")
    machine = "GlobalProperty hw_compat_10_1[] = {}; // expect: MIG031\n"
    write(tmp_path, "MIG030/prop/old/hw/core/machine.c", machine)
    write(tmp_path, "MIG030/prop/new/hw/core/machine.c", machine)
    (case,) = discover(tmp_path)
    assert case.multi
    assert list(case.files) == ["hw/misc/foo.c"]
    assert list(case.context) == ["hw/core/machine.c"]
    series = case.series()
    assert (series.base_version, series.head_version) == ("10.2.50", "10.2.50")
    assert [fc.path for fc in series.folded] == ["hw/misc/foo.c"]
    ann = case.annotations()
    assert set(ann.expect) == {
        ("MIG030", "new", "hw/misc/foo.c", 2),
        ("MIG031", "new", "hw/core/machine.c", 1),
    }


def test_compare_both_ways(tmp_path: Path) -> None:
    write(tmp_path, "MIG001/c.old.c", OLD)
    write(tmp_path, "MIG001/c.new.c", NEW)
    (case,) = discover(tmp_path)
    ann = case.annotations()
    p = "hw/char/a.c"
    good = (
        finding("MIG001", 5, path=p),
        finding("MIG001", 5, path=p),
        finding("MIG002", 3, "old", p),
    )
    failures, xfails = compare(ann, good)
    assert failures == []
    assert xfails and "MIG003" in xfails[0]
    # one MIG001 missing (multiset), one unexpected MIG007, MIG004 on an ok line
    bad = (good[0], good[2], finding("MIG007", 1, path=p), finding("MIG004", 2, path=p))
    failures, _ = compare(ann, bad)
    text = "\n".join(failures)
    assert "expected but not reported:\n  MIG001 new:hw/char/a.c:5" in text
    assert "reported but not expected:\n  MIG007 new:hw/char/a.c:1" in text
    assert "fired on a line marked ok:\n  MIG004 new:hw/char/a.c:2" in text
    # the todo-expect is now reported: must be promoted
    failures, _ = compare(ann, (*good, finding("MIG003", 6, path=p)))
    assert failures and "todo-expect now reported" in failures[0]


def test_fixture_rules_header_is_refused(tmp_path: Path) -> None:
    """Every rule is compared in every case; the old per-family filter is an error."""
    write(tmp_path, "MIG001/c.old.c", OLD)
    write(tmp_path, "MIG001/c.new.c", "// fixture-rules: MIG001 MIG002\n" + NEW)
    (case,) = discover(tmp_path)
    with pytest.raises(FixtureError, match="fixture-rules"):
        case.annotations()
