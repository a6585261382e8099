"""bot.diff.moves: entities moved unchanged between files are not changes."""

from __future__ import annotations

from test_filediff import vmsd

from bot.diff.filediff import diff_models
from bot.diff.moves import cancel_moves
from bot.model.entities import FileModel


def test_vmsd_moved_unchanged_to_another_file_cancels() -> None:
    moved = vmsd("vmstate_foo", 10, ("a", "b"))
    kept = vmsd("vmstate_bar", 30, ("x",))
    a_old = FileModel("hw/misc/a.c", vmsds=(moved, kept))
    a_new = FileModel("hw/misc/a.c", vmsds=(kept,))
    b_new = FileModel("hw/misc/b.c", vmsds=(vmsd("vmstate_foo", 90, ("a", "b")),))
    per_file = (diff_models("hw/misc/a.c", a_old, a_new), diff_models("hw/misc/b.c", None, b_new))
    assert [len(c) for c in per_file] == [1, 1]
    assert cancel_moves(per_file) == ((), ())


def test_vmsd_moved_and_changed_stays() -> None:
    a_old = FileModel("hw/misc/a.c", vmsds=(vmsd("vmstate_foo", 10, ("a", "b")),))
    b_new = FileModel("hw/misc/b.c", vmsds=(vmsd("vmstate_foo", 10, ("a", "b", "c")),))
    per_file = (
        diff_models("hw/misc/a.c", a_old, FileModel("hw/misc/a.c")),
        diff_models("hw/misc/b.c", None, b_new),
    )
    assert cancel_moves(per_file) == per_file
    # within one file a remove/add pair is not a move between files
    same = (diff_models("hw/misc/a.c", a_old, FileModel("hw/misc/a.c")),)
    assert cancel_moves(same) == same
