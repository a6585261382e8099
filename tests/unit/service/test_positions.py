"""GitLab positions from the rendered MR diff, and anchoring patch lines to base/head."""

from __future__ import annotations

from bot.findings import Category, Finding, Severity
from bot.report import Report
from bot.reporters.gitlab import DiffIndex, anchor, summary_body, verdict
from bot.series import FileChange, Hunk, Patch, Series

REFS = {"base_sha": "b" * 40, "start_sha": "s" * 40, "head_sha": "h" * 40}
DIFFS = [
    {"old_path": "a.c", "new_path": "a.c", "new_file": False, "deleted_file": False,
     "diff": "@@ -1,4 +1,4 @@\n ctx1\n-old2\n+new2\n ctx3\n ctx4\n"},
    {"old_path": "n.c", "new_path": "n.c", "new_file": True, "deleted_file": False,
     "diff": "@@ -0,0 +1,2 @@\n+one\n+two\n"},
]


def test_positions_follow_gitlab_rules() -> None:
    idx = DiffIndex.from_gitlab(DIFFS, REFS)
    added = idx.position("a.c", 2, "new")
    assert added is not None and added["new_line"] == 2 and "old_line" not in added
    removed = idx.position("a.c", 2, "old")
    assert removed is not None and removed["old_line"] == 2 and "new_line" not in removed
    ctx = idx.position("a.c", 3, "new")
    assert ctx is not None and (ctx["old_line"], ctx["new_line"]) == (3, 3)
    new_file = idx.position("n.c", 1, "new")
    assert new_file is not None and "old_line" not in new_file
    assert idx.position("a.c", 40, "new") is None  # not rendered -> summary
    assert idx.position("other.c", 1, "new") is None
    assert added["base_sha"] == "b" * 40 and added["position_type"] == "text"


def _finding(line: int, side: str, patch: int) -> Finding:
    return Finding(rule="MIG001", name="x", severity=Severity.ERROR, category=Category.OTHER,
                   confidence="high", message="m", fix_hint="h", path="a.c", line=line,
                   side=side, entity="e", patch_index=patch, fingerprint="f" * 16)


def test_anchor_carries_lines_through_later_and_earlier_patches() -> None:
    fc1 = FileChange("a.c", "a.c", b"", b"", hunks=(Hunk(0, 0, 1, 2),))  # +2 lines at top
    fc2 = FileChange("a.c", "a.c", b"", b"", hunks=(Hunk(10, 1, 12, 1),))  # rewrite old 10
    series = Series("b", "h", (Patch(1, "c1", "s1", "a", (fc1,)),
                               Patch(2, "c2", "s2", "a", (fc2,))), ())
    assert anchor(_finding(5, "new", 1), series) == ("a.c", 5, "new")
    assert anchor(_finding(10, "new", 1), series) is None  # patch 2 rewrote it
    assert anchor(_finding(7, "old", 2), series) == ("a.c", 5, "old")
    assert anchor(_finding(1, "old", 2), series) is None  # added by patch 1: not at base


def test_verdict_and_clean_summary() -> None:
    f = _finding(1, "new", 1)
    assert verdict([], "error") == "clean"
    assert verdict([f], "error") == "fail"
    assert verdict([f], "never") == "warn"
    rep = Report(Series("b" * 40, "h" * 40, (), ()), ())
    body = summary_body(rep, [], verdict_value="clean")
    assert "no migration impact found" in body and "migcheck:summary verdict=clean" in body
