"""DefineTable.swapped: a table with some files replaced equals one built from scratch, and
refuses swaps that change a macro something already resolved through."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from bot.model.defines import DefineTable
from bot.model.entities import FileModel
from bot.model.extract import extract_file

FILES: dict[str, bytes] = {
    "include/hw/foo.h": b'#define TYPE_FOO "foo"\n#define TYPE_FOO_SUB TYPE_FOO "-sub"\n'
    b'#define FOO_ERR "bad foo"\n#define MACHINE_TYPE_NAME(m) m "-machine"\n',
    "include/hw/bar.h": b'#define TYPE_BAR "bar"\n#define BAR_REG 0x10\n',
    "hw/misc/local.h": b'#define LOCAL_NAME "local"\n',
    "hw/misc/foo.c": b'#define FOO_LOCAL "foo-local"\n#define HELPER(x) x "-h"\n',
    "hw/misc/other.c": b'#define FOO_LOCAL "other-local"\n',
}


def _models(files: Mapping[str, bytes | None]) -> dict[str, FileModel]:
    return {p: extract_file(p, d) for p, d in files.items() if d is not None}


def _state(t: DefineTable) -> tuple[Any, ...]:
    return tuple({k: m[k] for k in m} for m in t.state())


def _swap(
    base: dict[str, bytes], change: dict[str, bytes | None], looked: tuple[str, ...] = ()
) -> tuple[DefineTable | None, DefineTable]:
    """(base table swapped to the change, a table built from scratch on the result)."""
    table = DefineTable(_models(base))
    for expr, path in looked:
        table.eval_expr(expr, path)
    old = {p: (extract_file(p, base[p]) if p in base else None) for p in change}
    new = {p: (extract_file(p, d) if d is not None else None) for p, d in change.items()}
    head = {**base, **change}
    return table.swapped(old, new), DefineTable(_models(head))


@pytest.mark.parametrize(
    "change",
    [
        {"include/hw/foo.h": FILES["include/hw/foo.h"] + b'#define FOO_HINT "try"\n'},
        {"include/hw/bar.h": None},
        {"include/hw/new.h": b'#define TYPE_NEW "new"\n#define NEW_NAME(x) x "-new"\n'},
        {"hw/misc/foo.c": b'#define FOO_LOCAL "renamed"\n'},
        {"hw/misc/local.h": b'#define LOCAL_NAME "local2"\n#define LOCAL_TWO "two"\n'},
        {"hw/misc/other.c": None, "hw/misc/foo.c": FILES["hw/misc/foo.c"] + b"#define N 3\n"},
    ],
)
def test_swap_equals_a_table_built_from_scratch(change: dict[str, bytes | None]) -> None:
    swapped, scratch = _swap(FILES, change)
    assert swapped is not None
    assert _state(swapped) == _state(scratch)
    for expr, path in (
        ("TYPE_FOO_SUB", None),
        ("FOO_LOCAL", "hw/misc/foo.c"),
        ("FOO_LOCAL", "hw/misc/other.c"),
        ("LOCAL_NAME", "hw/misc/x.c"),
        ('NEW_NAME("a")', None),
        ("TYPE_NEW", None),
    ):
        assert swapped.eval_expr(expr, path) == scratch.eval_expr(expr, path), (expr, path)


def test_swap_refuses_a_changed_macro_that_was_looked_up() -> None:
    # a header's TYPE_FOO that some resolution went through: every user may change
    change = {"include/hw/foo.h": FILES["include/hw/foo.h"].replace(b'"foo"', b'"foo2"')}
    assert _swap(FILES, change, (("TYPE_FOO_SUB", "hw/misc/x.c"),))[0] is None
    # nobody resolved through it: the swap is fine and equals a fresh table
    swapped, scratch = _swap(FILES, change, (("TYPE_BAR", "hw/misc/x.c"),))
    assert swapped is not None and _state(swapped) == _state(scratch)
    # a function-like macro of a .c file is a tree-wide fallback: refused once used
    helper = {"hw/misc/foo.c": FILES["hw/misc/foo.c"].replace(b'"-h"', b'"-g"')}
    assert _swap(FILES, helper, (('HELPER("x")', "hw/misc/other.c"),))[0] is None


def test_swap_of_a_c_file_local_macro_is_local() -> None:
    """A .c file's object-like macro is visible only there, so other files' lookups of the
    same name do not stop the swap (the swapped file itself is re-resolved by the caller)."""
    change = {"hw/misc/foo.c": b'#define FOO_LOCAL "renamed"\n'}
    swapped, scratch = _swap(FILES, change, (("FOO_LOCAL", "hw/misc/other.c"),))
    assert swapped is not None and _state(swapped) == _state(scratch)
    assert swapped.eval_expr("FOO_LOCAL", "hw/misc/foo.c") == ("renamed",)
    assert swapped.eval_expr("FOO_LOCAL", "hw/misc/other.c") == ("other-local",)
    assert "FOO_LOCAL" in swapped.looked_up


def test_an_unchanged_swap_keeps_the_table() -> None:
    table = DefineTable(_models(FILES))
    fm = extract_file("hw/misc/foo.c", FILES["hw/misc/foo.c"] + b"int x;\n")
    old = {"hw/misc/foo.c": _models(FILES)["hw/misc/foo.c"]}
    assert table.swapped(old, {"hw/misc/foo.c": fm}) is table


def test_recording_names_every_macro_an_evaluation_consulted_memo_hits_included() -> None:
    """What one file's evaluations consulted, even when the answer came from the memo of an
    earlier evaluation (the names behind it count too): the files to revisit on a swap."""
    table = DefineTable(_models(FILES))
    table.start_recording()
    assert table.eval_expr("TYPE_FOO_SUB", "hw/misc/a.c") == ("foo-sub",)
    first = table.stop_recording()
    table.start_recording()
    assert table.eval_expr('TYPE_FOO_SUB "-x"', "hw/misc/b.c") == ("foo-sub-x",)  # memo hit
    second = table.stop_recording()
    assert first == second == {"TYPE_FOO_SUB", "TYPE_FOO"}
    table.start_recording()
    assert table.eval_expr('MACHINE_TYPE_NAME("pc")', "hw/i386/pc.c") == ("pc-machine",)
    table.start_recording()  # nested: the inner names count in the outer recording too
    table.eval_expr("TYPE_BAR", "hw/i386/pc.c")
    assert table.stop_recording() == {"TYPE_BAR"}
    assert table.stop_recording() == {"MACHINE_TYPE_NAME", "TYPE_BAR"}


def test_swap_of_a_consulted_macro_builds_the_table_and_names_what_changed() -> None:
    table = DefineTable(_models(FILES))
    table.eval_expr("TYPE_FOO_SUB", "hw/misc/a.c")
    change = {"include/hw/foo.h": FILES["include/hw/foo.h"].replace(b'"foo"', b'"foo2"')}
    old = {p: extract_file(p, FILES[p]) for p in change}
    new = {p: extract_file(p, d) for p, d in change.items()}
    assert table.swapped(old, new) is None  # the refusing form
    swapped, redefined = table.swap(old, new)
    assert redefined == {"TYPE_FOO"}
    assert _state(swapped) == _state(DefineTable(_models({**FILES, **change})))
    assert swapped.eval_expr("TYPE_FOO_SUB", "hw/misc/a.c") == ("foo2-sub",)
