"""Map line numbers between the old and new side of a file through its diff hunks.

Used to anchor an old-side finding on the new side (GitLab discussions, v1 -> v2 matching).
Hunks are the `@@ -a,b +c,d @@` headers; when a FileChange carries none,
`bot.series.hunks_from_bytes` computes zero-context hunks from the two contents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.series import Hunk


@dataclass(frozen=True, slots=True)
class _Span:
    """One hunk as half-open 1-based ranges [o1, o2) and [n1, n2)."""

    o1: int
    o2: int
    n1: int
    n2: int


def _spans(hunks: Sequence[Hunk]) -> list[_Span]:
    spans: list[_Span] = []
    for h in sorted(hunks, key=lambda h: (h.old_start, h.new_start)):
        o1 = h.old_start if h.old_len else h.old_start + 1
        n1 = h.new_start if h.new_len else h.new_start + 1
        spans.append(_Span(o1, o1 + h.old_len, n1, n1 + h.new_len))
    return spans


class LineMap:
    """Old line <-> new line through a file's hunks."""

    __slots__ = ("_spans",)

    def __init__(self, hunks: Sequence[Hunk]) -> None:
        self._spans = _spans(hunks)

    def old_to_new(self, line: int, *, exact: bool = True) -> int | None:
        """The new line of an old line; None inside a changed region unless `exact=False`.

        With `exact=False` a line inside a hunk maps to the same offset in the hunk's new
        range, clamped to it (or to the line before the hunk when the new range is empty).
        """
        return _map(line, [(s.o1, s.o2, s.n1, s.n2) for s in self._spans], exact)

    def new_to_old(self, line: int, *, exact: bool = True) -> int | None:
        """The old line of a new line; None inside a changed region unless `exact=False`."""
        return _map(line, [(s.n1, s.n2, s.o1, s.o2) for s in self._spans], exact)


def _map(line: int, spans: list[tuple[int, int, int, int]], exact: bool) -> int | None:
    delta = 0
    for a1, a2, b1, b2 in spans:
        if line < a1:
            break
        if line < a2:
            if exact:
                return None
            if b2 > b1:
                return min(b1 + (line - a1), b2 - 1)
            return max(b1 - 1, 1)
        delta = b2 - a2
    return max(line + delta, 1)


def map_old_line(hunks: Sequence[Hunk], line: int, *, exact: bool = False) -> int | None:
    """Convenience: old line -> new line through `hunks` (nearest line by default)."""
    return LineMap(hunks).old_to_new(line, exact=exact)
