"""Parse the `git diff` part of a patch mail into per-file patches. Pure, bytes in.

Reads what `git format-patch` / `git show --format=email` write: the `diff --git` header with
its extended lines (modes, renames, copies, `index OLD..NEW`), `---`/`+++`, and unified
hunks. Anything the in-memory apply cannot honour faithfully is reported as Unsupported
(binary patches, traditional diffs without `diff --git`, submodule links) so the caller can
hand that patch to `git am -3` instead; a malformed hunk raises CorruptPatch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_INDEX = re.compile(rb"^index ([0-9a-fA-F]+)\.\.([0-9a-fA-F]+)(?: ([0-7]+))?\s*$")
_MODE_LINE = re.compile(rb"^(old mode|new mode|deleted file mode|new file mode) ([0-7]+)\s*$")
_PATH_LINE = re.compile(rb"^(rename from|rename to|copy from|copy to) (.+?)\r?\n?$")
_SCORE_LINE = re.compile(rb"^(similarity index|dissimilarity index) \d+%\s*$")
_TRADITIONAL = re.compile(rb"^(?:--- \S|Index: |diff -(?!-git ))", re.MULTILINE)
_OCTAL = re.compile(rb"\\([0-7]{3}|.)")
_ESCAPES = {b"a": b"\a", b"b": b"\b", b"t": b"\t", b"n": b"\n", b"v": b"\v", b"f": b"\f",
            b"r": b"\r", b'"': b'"', b"\\": b"\\"}  # fmt: skip
GITLINK = 0o160000
SYMLINK = 0o120000


class Unsupported(Exception):
    """The patch is valid but the in-memory apply does not handle it (use `git am -3`)."""


class CorruptPatch(Exception):
    """The diff text is malformed (what `git apply` calls a corrupt patch)."""


@dataclass(frozen=True, slots=True)
class TextHunk:
    """One hunk as the lines it expects (preimage) and the lines it leaves (postimage).

    Lines keep their end-of-line bytes; a line marked "\\ No newline at end of file" has none.
    """

    old_start: int
    old_len: int
    new_start: int
    new_len: int
    preimage: tuple[bytes, ...]
    postimage: tuple[bytes, ...]
    leading: int  # context lines before the first change
    trailing: int  # context lines after the last change


@dataclass(frozen=True, slots=True)
class FilePatch:
    """What a patch does to one path: create, delete, modify, rename or copy it."""

    old_path: str | None  # None: the file is created
    new_path: str | None  # None: the file is deleted
    old_mode: int | None
    new_mode: int | None
    old_id: str  # (abbreviated) blob id from the `index` line, "" when absent
    new_id: str
    hunks: tuple[TextHunk, ...]
    copy: bool = False  # a copy keeps old_path

    @property
    def label(self) -> str:
        """The path to name in messages."""
        return self.new_path or self.old_path or "?"


def unquote_path(raw: bytes) -> bytes:
    """A path as git writes it: C-quoted ("a/f\\303\\251") or plain."""
    raw = raw.rstrip(b"\r\n")
    if not (raw.startswith(b'"') and raw.endswith(b'"') and len(raw) >= 2):
        return raw.split(b"\t", 1)[0]  # traditional diffs may append a tab and a date

    def sub(m: re.Match[bytes]) -> bytes:
        esc = m.group(1)
        if len(esc) == 3:
            return bytes([int(esc, 8) & 0xFF])
        if esc in _ESCAPES:
            return _ESCAPES[esc]
        raise CorruptPatch(f"bad escape \\{esc.decode('latin-1')} in quoted path")

    return _OCTAL.sub(sub, raw[1:-1])


def _text_path(raw: bytes, strip: bool) -> str:
    """A diff path (a/X, b/X) as text without its prefix; Unsupported when not UTF-8."""
    path = unquote_path(raw)
    if strip:
        slash = path.find(b"/")
        if slash < 0:
            raise CorruptPatch(f"path without a/ or b/ prefix: {path!r}")
        path = path[slash + 1 :]
    try:
        return path.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unsupported(f"file name is not UTF-8: {path!r}") from exc


def _header_names(rest: bytes) -> tuple[bytes, bytes] | None:
    """The a/ and b/ names of a `diff --git` line (needed when no ---/+++ follow)."""
    rest = rest.rstrip(b"\r\n")
    if rest.startswith(b'"'):
        end = rest.find(b'" ', 1)
        while end > 0 and rest[end - 1 : end] == b"\\":
            end = rest.find(b'" ', end + 1)
        if end < 0:
            return None
        return rest[: end + 1], rest[end + 2 :]
    # Unquoted: "a/NAME b/NAME" with the same NAME (git requires it for unquoted names).
    for m in re.finditer(rb" b/", rest):
        a, b = rest[: m.start()], rest[m.start() + 1 :]
        if a[2:] == b[2:]:
            return a, b
    if rest.endswith(b'"'):
        start = rest.rfind(b' "')
        if start > 0:
            return rest[:start], rest[start + 1 :]
    return None


def _mode(raw: bytes) -> int:
    return int(raw, 8)


def parse_patch(data: bytes) -> tuple[FilePatch, ...]:
    """Every file patch in the diff part of a mail, in order.

    Raises Unsupported for what only `git am` handles, CorruptPatch for malformed hunks.
    """
    lines = data.splitlines(keepends=True)
    n = len(lines)
    i = 0
    out: list[FilePatch] = []
    seen_git = False
    while i < n:
        line = lines[i]
        if not line.startswith(b"diff --git "):
            if not seen_git and _TRADITIONAL.match(line) and _looks_like_traditional(lines, i):
                raise Unsupported("a diff without `diff --git` headers (not made by git)")
            i += 1
            continue
        seen_git = True
        fp, i = _parse_file(lines, i)
        out.append(fp)
    if not out:
        raise Unsupported("no `diff --git` in the mail")
    return tuple(out)


def _looks_like_traditional(lines: list[bytes], i: int) -> bool:
    """A `--- x` line followed by `+++ y` and a hunk header (not a diffstat separator)."""
    if lines[i].startswith((b"Index: ", b"diff -")):
        return True
    return (
        i + 2 < len(lines)
        and lines[i + 1].startswith(b"+++ ")
        and _HUNK.match(lines[i + 2]) is not None
    )


def _parse_file(lines: list[bytes], i: int) -> tuple[FilePatch, int]:
    """One `diff --git` block starting at lines[i]; returns it and the next line index."""
    n = len(lines)
    start = i
    names = _header_names(lines[i][len(b"diff --git ") :])
    i += 1
    old_mode = new_mode = None
    old_id = new_id = ""
    created = deleted = copy = False
    rename_from = rename_to = None
    minus = plus = None
    while i < n:
        line = lines[i]
        m = _MODE_LINE.match(line)
        if m:
            kind, mode = m.group(1), _mode(m.group(2))
            if kind == b"old mode":
                old_mode = mode
            elif kind == b"new mode":
                new_mode = mode
            elif kind == b"deleted file mode":
                deleted, old_mode = True, mode
            else:
                created, new_mode = True, mode
            i += 1
            continue
        m = _INDEX.match(line)
        if m:
            old_id, new_id = m.group(1).decode().lower(), m.group(2).decode().lower()
            if m.group(3):
                mode = _mode(m.group(3))
                old_mode = old_mode if old_mode is not None else mode
                new_mode = new_mode if new_mode is not None else mode
            i += 1
            continue
        m = _PATH_LINE.match(line)
        if m:
            kind, raw = m.group(1), m.group(2)
            if kind.endswith(b"from"):
                rename_from = raw
            else:
                rename_to = raw
            copy = copy or kind.startswith(b"copy")
            i += 1
            continue
        if _SCORE_LINE.match(line):
            i += 1
            continue
        if line.startswith((b"Binary files ", b"GIT binary patch")):
            raise Unsupported("binary patch")
        if line.startswith(b"--- ") and i + 1 < n and lines[i + 1].startswith(b"+++ "):
            minus, plus = line[4:], lines[i + 1][4:]
            i += 2
        break
    old_path: str | None
    new_path: str | None
    if rename_from is not None or rename_to is not None:
        if rename_from is None or rename_to is None:
            raise CorruptPatch(f"rename or copy without both names at line {start + 1}")
        old_path, new_path = _text_path(rename_from, False), _text_path(rename_to, False)
    elif minus is not None and plus is not None:
        old_path = None if minus.rstrip(b"\r\n") == b"/dev/null" else _text_path(minus, True)
        new_path = None if plus.rstrip(b"\r\n") == b"/dev/null" else _text_path(plus, True)
    elif names is not None:
        old_path, new_path = _text_path(names[0], True), _text_path(names[1], True)
    else:
        raise CorruptPatch(f"cannot read the file names of the diff at line {start + 1}")
    if created:
        old_path = None
    if deleted:
        new_path = None
    if GITLINK in (old_mode, new_mode):
        raise Unsupported("submodule change")
    hunks: list[TextHunk] = []
    while i < n and lines[i].startswith(b"@@"):
        hunk, i = _parse_hunk(lines, i)
        hunks.append(hunk)
    if minus is not None and not hunks:
        raise CorruptPatch(f"diff of {new_path or old_path} has no hunk (line {start + 1})")
    return (
        FilePatch(
            old_path=old_path,
            new_path=new_path,
            old_mode=old_mode,
            new_mode=new_mode,
            old_id=old_id,
            new_id=new_id,
            hunks=tuple(hunks),
            copy=copy,
        ),
        i,
    )


def _parse_hunk(lines: list[bytes], i: int) -> tuple[TextHunk, int]:
    """One hunk starting at its `@@` line; line counts decide where it ends (like git)."""
    m = _HUNK.match(lines[i])
    if not m:
        raise CorruptPatch(f"bad hunk header at line {i + 1}")
    old_start, new_start = int(m.group(1)), int(m.group(3))
    old_len = int(m.group(2)) if m.group(2) is not None else 1
    new_len = int(m.group(4)) if m.group(4) is not None else 1
    pre: list[bytes] = []
    post: list[bytes] = []
    kinds: list[bytes] = []  # b" ", b"-", b"+" per line, for the context counts
    old_left, new_left = old_len, new_len
    i += 1
    n = len(lines)
    while i < n and (old_left > 0 or new_left > 0):
        line = lines[i]
        first = line[:1]
        if first in (b"\n", b"\r") and line.strip(b"\r\n") == b"":
            first, body = b" ", line  # an empty context line whose space a mailer ate
        else:
            body = line[1:]
        if first == b" ":
            pre.append(body)
            post.append(body)
            old_left -= 1
            new_left -= 1
        elif first == b"-":
            pre.append(body)
            old_left -= 1
        elif first == b"+":
            post.append(body)
            new_left -= 1
        elif first == b"\\" and kinds:
            _no_newline(kinds[-1], pre, post)
            i += 1
            continue
        else:
            raise CorruptPatch(f"corrupt patch at line {i + 1}")
        if old_left < 0 or new_left < 0:
            raise CorruptPatch(f"corrupt patch at line {i + 1}")
        kinds.append(first)
        i += 1
    if old_left > 0 or new_left > 0:
        raise CorruptPatch(f"truncated hunk before line {i + 1}")
    if i < n and lines[i].startswith(b"\\") and kinds:
        _no_newline(kinds[-1], pre, post)
        i += 1
    leading = next((k for k, c in enumerate(kinds) if c != b" "), len(kinds))
    trailing = next((k for k, c in enumerate(reversed(kinds)) if c != b" "), len(kinds))
    hunk = TextHunk(old_start, old_len, new_start, new_len, tuple(pre), tuple(post),
                    leading, trailing)  # fmt: skip
    return hunk, i


def _no_newline(kind: bytes, pre: list[bytes], post: list[bytes]) -> None:
    """Apply "\\ No newline at end of file" to the line just read (drop its "\\n")."""
    if kind in (b" ", b"-") and pre and pre[-1].endswith(b"\n"):
        pre[-1] = pre[-1][:-1]
    if kind in (b" ", b"+") and post and post[-1].endswith(b"\n"):
        post[-1] = post[-1][:-1]


class HunkMismatch(Exception):
    """A hunk's preimage is not where (or anywhere near where) the patch says."""

    def __init__(self, hunk_no: int, line: int) -> None:
        super().__init__(f"hunk {hunk_no} (at line {line}) does not match")
        self.hunk_no = hunk_no
        self.line = line


def apply_hunks(content: bytes, hunks: tuple[TextHunk, ...]) -> bytes:
    """Apply hunks to a file's bytes the way `git apply` does without options.

    Each hunk is searched from its target line outwards (line, +1, -1, +2, ...); a hunk
    starting at line 1 (or 0) must match at the beginning and one without trailing context
    at the end; no fuzz, no whitespace leniency. Raises HunkMismatch.
    """
    image = content.splitlines(keepends=True)
    for no, h in enumerate(hunks, start=1):
        match_beginning = h.old_start == 0 or h.old_start == 1
        match_end = h.trailing == 0
        pos = h.new_start - 1 if h.new_start else 0
        at = _find_pos(image, h.preimage, pos, match_beginning, match_end)
        if at < 0:
            raise HunkMismatch(no, h.old_start)
        image[at : at + len(h.preimage)] = h.postimage
    return b"".join(image)


def _find_pos(
    image: list[bytes], pre: tuple[bytes, ...], line: int, beginning: bool, end: bool
) -> int:
    """git apply's find_pos(): nearest exact match of `pre` around `line`, or -1."""
    size, want = len(image), len(pre)
    if want > size:
        return -1
    if beginning:
        line = 0
    elif end:
        line = size - want
    line = min(max(line, 0), size)
    backwards = forwards = line
    tries = line
    i = 0
    while True:
        if _matches(image, pre, tries, beginning, end):
            return tries
        while True:
            if backwards == 0 and forwards == size:
                return -1
            if i & 1:
                if backwards == 0:
                    i += 1
                    continue
                backwards -= 1
                tries = backwards
            else:
                if forwards == size:
                    i += 1
                    continue
                forwards += 1
                tries = forwards
            break
        i += 1


def _matches(image: list[bytes], pre: tuple[bytes, ...], at: int, beginning: bool,
             end: bool) -> bool:  # fmt: skip
    if at + len(pre) > len(image):
        return False
    if beginning and at != 0:
        return False
    if end and at + len(pre) != len(image):
        return False
    return all(image[at + k] == p for k, p in enumerate(pre))
