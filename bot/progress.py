"""Progress of long work (first index of a tree, builds, dumps, migrations) for people.

Every stage that takes long reports `progress(phase, done, total, detail)`: the index
("index", files parsed of those not in the cache), the artifact layer ("configure",
"compile base", "compile head", "machines" for dump, compare and migrate, "against").
`Terminal` shows them: on a terminal one line rewritten in place with the phase, the count,
the percentage and an ETA from the rate so far, and a line kept for each finished phase; on
a pipe (only when asked, `--progress`) plain lines, at most one per phase every 10 seconds.
`progress_for` picks: nothing on a pipe unless asked, nothing at all with `--quiet`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

# (phase, done, total, detail); total 0 when unknown.
Progress = Callable[[str, int, int, str], None]

MODES = ("auto", "always", "never")


def no_progress(phase: str, done: int, total: int, detail: str) -> None:
    """A progress callback that shows nothing."""


def duration(seconds: float) -> str:
    """`42 s`, `3 min 05 s`, `1 h 02 min`: short and exact enough for an ETA."""
    s = round(max(0.0, seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def since_process_start() -> float:
    """Seconds since this process started (interpreter start-up and imports included);
    0.0 where the system does not say (only Linux's /proc is read)."""
    try:
        with open("/proc/self/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: starttime
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - started)
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def eta(elapsed: float, done: int, total: int) -> float | None:
    """Seconds left at the rate so far; None before there is a rate to go by."""
    if total <= 0 or done <= 0 or done > total or elapsed < 1.0:
        return None
    return elapsed / done * (total - done)


class Terminal:
    """Shows progress events on `stream` (a terminal: one live line; else plain lines)."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        live: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        redraw: float = 0.2,
        every: float = 10.0,
    ) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.clock = clock
        self.redraw = redraw  # seconds between live redraws
        self.every = every  # seconds between plain lines of one phase
        self.t0 = clock()
        self.phase = ""
        self.phase_t0 = self.t0
        self.last_at = self.t0  # the current phase's latest event
        self.last_done = 0
        self.last_total = 0
        self.last_detail = ""
        self.shown = -1e9  # when the current line/plain line was last written
        self.width = 0  # characters of the live line on screen

    def __call__(self, phase: str, done: int, total: int, detail: str) -> None:
        """Report one event."""
        now = self.clock()
        if phase != self.phase:
            self._finish()
            self.phase, self.phase_t0, self.shown = phase, now, -1e9
        self.last_done, self.last_total, self.last_detail = done, total, detail
        self.last_at = now
        final = total > 0 and done >= total
        wait = self.redraw if self.live else self.every
        if not final and now - self.shown < wait:
            return
        self.shown = now
        self._write(self._line(now), keep=not self.live)

    def close(self) -> None:
        """End the current phase's line (call once the work is over)."""
        self._finish()
        self.phase = ""

    def _line(self, now: float) -> str:
        done, total = self.last_done, self.last_total
        parts = [f"[{duration(now - self.t0):>9}]", self.phase]
        if total > 0:
            parts.append(f"{done}/{total} ({100 * done // total}%)")
            left = eta(now - self.phase_t0, done, total)
            if left is not None and done < total:
                parts.append(f"ETA {duration(left)}")
        elif done:
            parts.append(str(done))
        if self.last_detail:
            parts.append(self.last_detail)
        return " ".join(parts)

    def _finish(self) -> None:
        """The finished phase's closing line: what it did and how long it took (until its
        last event)."""
        if not self.phase:
            return
        now = self.last_at
        count = f"{self.last_done}/{self.last_total} " if self.last_total else ""
        line = (f"[{duration(now - self.t0):>9}] {self.phase} {count}done in "
                f"{duration(now - self.phase_t0)}")  # fmt: skip
        self._write(line, keep=True)

    def _write(self, line: str, *, keep: bool) -> None:
        if self.live:
            line = line[:159]
            pad = max(0, self.width - len(line))
            self.stream.write("\r" + line + " " * pad + ("\n" if keep else ""))
            self.width = 0 if keep else len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def progress_for(mode: str, stream: TextIO | None = None) -> Terminal | None:
    """The progress display for `--progress` ("always"), `--quiet` ("never") or neither
    ("auto": only when `stream`, default stderr, is a terminal)."""
    out = stream or sys.stderr
    if mode == "never" or (mode == "auto" and not out.isatty()):
        return None
    return Terminal(out)
