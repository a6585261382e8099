"""LineMap: old <-> new line mapping through hunks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.diff.linemap import LineMap, map_old_line
from bot.series import Hunk, hunks_from_bytes


def test_no_hunks_is_identity() -> None:
    lm = LineMap(())
    assert lm.old_to_new(5) == 5
    assert lm.new_to_old(5) == 5


def test_insertion_shifts_following_lines() -> None:
    # 3 lines inserted after old line 4
    lm = LineMap((Hunk(4, 0, 5, 3),))
    assert lm.old_to_new(4) == 4
    assert lm.old_to_new(5) == 8
    assert lm.new_to_old(6) is None
    assert lm.new_to_old(8) == 5


def test_deletion_and_replacement() -> None:
    # old lines 10-12 deleted; old 20-21 replaced by new lines (17-19)
    lm = LineMap((Hunk(10, 3, 9, 0), Hunk(20, 2, 17, 3)))
    assert lm.old_to_new(9) == 9
    assert lm.old_to_new(11) is None
    assert lm.old_to_new(11, exact=False) == 9
    assert lm.old_to_new(13) == 10
    assert lm.old_to_new(20) is None
    assert lm.old_to_new(21, exact=False) == 18
    assert lm.old_to_new(22) == 20
    assert map_old_line((Hunk(10, 3, 9, 0),), 30) == 27


def test_hunks_from_bytes_matches_git_convention() -> None:
    old = b"a\nb\nc\nd\n"
    new = b"a\nx\ny\nb\nd\n"
    hunks = hunks_from_bytes(old, new)
    assert hunks == (Hunk(1, 0, 2, 2), Hunk(3, 1, 4, 0))
    lm = LineMap(hunks)
    assert lm.old_to_new(2) == 4  # b
    assert lm.old_to_new(4) == 5  # d
    assert lm.old_to_new(3) is None  # c deleted


@given(
    st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=30),
    st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=30),
)
def test_unchanged_lines_map_to_equal_lines(old: list[str], new: list[str]) -> None:
    ob = "".join(x + "\n" for x in old).encode()
    nb = "".join(x + "\n" for x in new).encode()
    lm = LineMap(hunks_from_bytes(ob, nb))
    for i, text in enumerate(old, start=1):
        j = lm.old_to_new(i)
        if j is not None:
            assert new[j - 1] == text
            assert lm.new_to_old(j) == i
