"""Read what a sandboxed child prints with fixed memory, whatever it prints.

A build or a QEMU run may write hundreds of megabytes, with or without newlines; the bot
keeps only the first `head` bytes, the last `tail` bytes and at most `max_line` bytes of the
line being assembled, so its memory stays at a few hundred KiB per child.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import IO

CHUNK = 64 * 1024


class Capture:
    """Output of one child: first `head` bytes, last `tail` bytes, lines cut at `max_line`."""

    def __init__(self, *, head: int = 200_000, tail: int = 64_000, max_line: int = 4096,
                 on_line: Callable[[str], None] | None = None) -> None:
        self.head_limit = head
        self.tail_limit = tail
        self.max_line = max_line
        self.on_line = on_line
        self.total = 0
        self._head = bytearray()
        self._tail = bytearray()
        self._line = bytearray()
        self._line_cut = False

    def feed(self, data: bytes) -> None:
        """Take one chunk of output."""
        self.total += len(data)
        room = self.head_limit - len(self._head)
        if room > 0:
            self._head += data[:room]
            data_tail = data[room:]
        else:
            data_tail = data
        if data_tail and self.tail_limit > 0:
            self._tail += data_tail[-self.tail_limit:]
            if len(self._tail) > 2 * self.tail_limit:
                del self._tail[:-self.tail_limit]
        if self.on_line is not None:
            self._lines(data)

    def _lines(self, data: bytes) -> None:
        start = 0
        while True:
            nl = data.find(b"\n", start)
            piece = data[start:] if nl < 0 else data[start:nl]
            room = self.max_line - len(self._line)
            if len(piece) > room:
                self._line += piece[:max(room, 0)]
                self._line_cut = True
            else:
                self._line += piece
            if nl < 0:
                return
            self._emit()
            start = nl + 1

    def _emit(self) -> None:
        assert self.on_line is not None
        text = self._line.decode("utf-8", errors="replace")
        if self._line_cut:
            text += " [line cut]"
        self._line.clear()
        self._line_cut = False
        self.on_line(text)

    def finish(self) -> None:
        """Deliver a last line that had no newline."""
        if self.on_line is not None and (self._line or self._line_cut):
            self._emit()

    @property
    def omitted(self) -> int:
        """Bytes dropped between the kept head and tail."""
        return max(0, self.total - len(self._head) - min(len(self._tail), self.tail_limit))

    def text(self) -> str:
        """Kept head, a marker saying how much was dropped, kept tail."""
        head = self._head.decode("utf-8", errors="replace")
        tail = bytes(self._tail[-self.tail_limit:]) if self.tail_limit else b""
        if not tail:
            return head
        mid = f"\n[... {self.omitted} bytes of output not kept ...]\n" if self.omitted else ""
        return head + mid + tail.decode("utf-8", errors="replace")

    def last(self, chars: int) -> str:
        """The last `chars` characters kept (the end of the output)."""
        return self.text()[-chars:]

    def memory(self) -> int:
        """Bytes this capture holds right now (for tests and benches)."""
        return len(self._head) + len(self._tail) + len(self._line)


def pump(stream: IO[bytes], capture: Capture) -> None:
    """Read `stream` to its end in fixed-size chunks into `capture`."""
    fd = stream.fileno()
    while True:
        try:
            data = os.read(fd, CHUNK)
        except OSError:
            break
        if not data:
            break
        capture.feed(data)
    capture.finish()
