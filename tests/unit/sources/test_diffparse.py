"""The diff reader and hunk application against real `git apply`: for random files, edits and
drifted targets (lines inserted or removed elsewhere), both accept or both refuse, with the
same bytes. Plus the parser's handling of git's extended headers."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.sources.diffparse import (
    CorruptPatch,
    HunkMismatch,
    Unsupported,
    apply_hunks,
    parse_patch,
)

# Few distinct lines, so that a preimage also matches elsewhere and the search order matters.
LINE = st.sampled_from([b"a\n", b"b\n", b"c\n", b"{\n", b"}\n", b"\n", b"int x;\n"])
FILE = st.lists(LINE, min_size=1, max_size=30)


def git_diff(old: bytes, new: bytes) -> bytes:
    """The hunks `git diff` writes for old -> new, under a `diff --git` header for f.c."""
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "old").write_bytes(old)
        (Path(d) / "new").write_bytes(new)
        out = subprocess.run(["git", "diff", "--no-index", "old", "new"], cwd=d,
                             capture_output=True, check=False).stdout  # fmt: skip
    hunks = out[out.index(b"\n@@") + 1 :] if b"\n@@" in out else b""
    return b"diff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n" + hunks


def git_apply(target: bytes, patch: bytes) -> bytes | None:
    """What `git apply` makes of target (None when it refuses)."""
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "f.c").write_bytes(target)
        (Path(d) / "p.diff").write_bytes(patch)
        proc = subprocess.run(["git", "apply", "p.diff"], cwd=d, capture_output=True,
                              check=False)  # fmt: skip
        return (Path(d) / "f.c").read_bytes() if proc.returncode == 0 else None


def ours(target: bytes, patch: bytes) -> bytes | None:
    (fp,) = parse_patch(patch)
    try:
        return apply_hunks(target, fp.hunks)
    except HunkMismatch:
        return None


def mutate(lines: list[bytes], data: st.DataObject, least: int) -> list[bytes]:
    """lines with least..3 random single-line insertions or deletions."""
    out = list(lines)
    for _ in range(data.draw(st.integers(least, 3))):
        at = data.draw(st.integers(0, len(out)))
        if data.draw(st.booleans()) and at < len(out):
            del out[at]
        else:
            out.insert(at, data.draw(LINE))
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=FILE, data=st.data())
def test_same_result_as_git_apply(base: list[bytes], data: st.DataObject) -> None:
    old_b, new_b = b"".join(base), b"".join(mutate(base, data, 1))
    if old_b == new_b:
        return
    patch = git_diff(old_b, new_b)
    target = b"".join(mutate(base, data, 0))
    assert ours(old_b, patch) == new_b
    assert ours(target, patch) == git_apply(target, patch)


def test_no_newline_at_end_and_empty_context_line() -> None:
    patch = (b"diff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -1,3 +1,3 @@\n a\n\n"
             b"-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")  # fmt: skip
    assert ours(b"a\n\nb", patch) == b"a\n\nc"


def test_extended_headers() -> None:
    text = (
        b"diff --git a/hw/x y.c b/hw/z.c\nsimilarity index 90%\nrename from hw/x y.c\n"
        b"rename to hw/z.c\nindex 1234567..89abcde 100644\n--- a/hw/x y.c\n+++ b/hw/z.c\n"
        b"@@ -1 +1 @@\n-a\n+b\n"
        b'diff --git "a/hw/\\303\\251t\\303\\251.c" "b/hw/\\303\\251t\\303\\251.c"\n'
        b"new file mode 100755\nindex 0000000..e69de29\n"
        b"diff --git a/s.sh b/s.sh\nold mode 100644\nnew mode 100755\n"
        b"diff --git a/gone.c b/gone.c\ndeleted file mode 100644\nindex 1111111..0000000\n"
        b"--- a/gone.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n-- \n2.39.5\n"
    )
    ren, new, mode, gone = parse_patch(text)
    assert (ren.old_path, ren.new_path, ren.old_id, ren.new_id) == ("hw/x y.c", "hw/z.c",
                                                                    "1234567", "89abcde")
    assert (new.old_path, new.new_path, new.new_mode, new.hunks) == (None, "hw/été.c", 0o100755, ())
    assert (mode.old_path, mode.new_path, mode.old_mode, mode.new_mode) == ("s.sh", "s.sh",
                                                                            0o100644, 0o100755)
    assert (gone.old_path, gone.new_path) == ("gone.c", None)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (b"diff --git a/f b/f\nGIT binary patch\nliteral 3\n", Unsupported),
        (b"--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-a\n+b\n", Unsupported),  # not from git
        (b"diff --git a/m b/m\nindex 1..2 160000\n--- a/m\n+++ b/m\n@@ -1 +1 @@\n"
         b"-Subproject commit 1\n+Subproject commit 2\n", Unsupported),
        (b"diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-a\nxx\n", CorruptPatch),
        (b"diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n-a\n+b\n", CorruptPatch),
    ],
)
def test_what_goes_to_git_am(text: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_patch(text)
