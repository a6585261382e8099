"""The fake GitLab behaves like GitLab where migcheck depends on it (via python-gitlab)."""

from __future__ import annotations

import warnings
from typing import Any

import gitlab
import pytest
from fakegitlab import FakeGitLab
from gitlabfix import ALICE, BOT_TOKEN, IID, PID, Running

from bot.reporters.gitlab import DiffIndex


def client(fake: FakeGitLab) -> Any:
    gl = gitlab.Gitlab(fake.base_url, private_token=BOT_TOKEN, retry_transient_errors=True)
    gl.auth()
    return gl


def latest_diff(fake: FakeGitLab) -> tuple[Any, dict[str, str], DiffIndex]:
    """The MR (python-gitlab), its latest version's diff refs and the DiffIndex of it."""
    mr = client(fake).projects.get(PID).mergerequests.get(IID)
    version = mr.diffs.get(max(int(v.id) for v in mr.diffs.list(get_all=True)))
    refs = {"base_sha": version.base_commit_sha, "start_sha": version.start_commit_sha,
            "head_sha": version.head_commit_sha}
    return mr, refs, DiffIndex.from_gitlab(version.diffs, refs)


def test_pagination_headers_and_get_all(fake: FakeGitLab) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    mr = client(fake).projects.get(PID).mergerequests.get(IID)
    for i in range(25):
        mr.notes.create({"body": f"n{i}"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        page = mr.notes.list()
    assert len(page) == 20 and any("get_all" in str(w.message) for w in caught)
    assert len(mr.notes.list(get_all=True)) == 25
    assert len(mr.discussions.list(get_all=True, per_page=7)) == 25


def test_bad_line_position_is_400_like_gitlab(fake: FakeGitLab) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    mr, _, idx = latest_diff(fake)
    good = idx.position("hw/misc/foo.c", 27, "old")
    assert good is not None and "new_line" not in good
    bad = {**good, "new_line": 27}  # a removed line with a new_line: GitLab says no
    with pytest.raises(gitlab.exceptions.GitlabCreateError) as exc:
        mr.discussions.create({"body": "x", "position": bad})
    assert exc.value.response_code == 400 and "line_code" in str(exc.value)
    d = mr.discussions.create({"body": "x", "position": good})
    assert d.attributes["notes"][0]["type"] == "DiffNote"


def test_members_all_404_for_non_members(fake: FakeGitLab) -> None:
    project = client(fake).projects.get("qemu-project/qemu")
    assert project.members_all.get(ALICE).access_level == 30
    with pytest.raises(gitlab.exceptions.GitlabGetError) as exc:
        project.members_all.get(3)
    assert exc.value.response_code == 404


def test_rejected_position_falls_back_to_summary(fake: FakeGitLab, service: Running) -> None:
    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    fake.add_fault("POST", r"/discussions$", status=400, times=1)
    service.mr_event(fake)
    service.wait_idle()
    threads = [d for d in fake.discussions(PID, IID) if "migcheck:fp=" in d["notes"][0]["body"]]
    assert len(threads) == 2
    [summary] = [n for n in fake.all_notes(PID, IID) if "migcheck:summary" in n["body"]]
    assert "GitLab rejected the position" in summary["body"]


def test_unchanged_lines_outside_the_hunks_get_a_position_gitlab_accepts(
    fake: FakeGitLab, sample: Any
) -> None:
    """GitLab unfolds the diff around an unchanged line (lib/gitlab/diff/lines_unfolder.rb),
    so a finding on such a line of a changed file can be an inline thread."""
    from bot.sources.gitrange import series_from_range

    fake.add_mr(PID, IID, author_id=ALICE, source="series")
    mr, refs, idx = latest_diff(fake)
    assert idx.position("hw/misc/foo.c", 2, "new") is None  # sizes unknown: not guessed
    series = series_from_range(str(sample.path), f"master..{refs['head_sha']}")
    idx.know_sizes(series)
    pos = idx.position("hw/misc/foo.c", 2, "new")
    assert pos is not None and (pos["old_line"], pos["new_line"]) == (2, 2)
    head_lines = (sample.path / "hw/misc/foo.c").read_text().count("\n")
    assert idx.position("hw/misc/foo.c", head_lines + 40, "new") is None  # past the end
    d = mr.discussions.create({"body": "x", "position": pos})
    assert d.attributes["notes"][0]["position"]["new_line"] == 2
    bad = {**pos, "new_line": 3}  # not the line that old line 2 became
    with pytest.raises(gitlab.exceptions.GitlabCreateError) as exc:
        mr.discussions.create({"body": "x", "position": bad})
    assert exc.value.response_code == 400
