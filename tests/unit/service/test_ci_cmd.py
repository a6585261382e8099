"""`migcheck ci` in a GitLab-CI-like environment on a real git repository."""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

import pytest

from bot.commands import ci_cmd
from bot.errors import InputError
from bot.sample import build_sample_repo, examples_dir

GIT_ENV = {"GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@e", "GIT_COMMITTER_NAME": "A",
           "GIT_COMMITTER_EMAIL": "a@e"}


def _args(**kw: object) -> argparse.Namespace:
    base = {"repo": None, "base": None, "head": None, "codequality": "gl-code-quality-report.json",
            "sarif": "migcheck.sarif", "fail_on": "error", "cache_dir": None, "no_index": True}
    base.update(kw)
    return argparse.Namespace(**base)


def test_ci_mode_writes_reports_and_fails_on_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "r"
    base = build_sample_repo(examples_dir() / "sample-base", repo)
    patches = sorted(str(p) for p in (examples_dir() / "sample-series").glob("000[1-9]*"))
    import os

    subprocess.run(["git", "-C", str(repo), "am", "-q", *patches], check=True,
                   env={**os.environ, **GIT_ENV})
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    monkeypatch.setenv("CI_PROJECT_DIR", str(repo))
    monkeypatch.setenv("CI_MERGE_REQUEST_DIFF_BASE_SHA", base)
    monkeypatch.setenv("CI_COMMIT_SHA", head)
    assert ci_cmd.run(_args()) == 1
    cq = json.loads((repo / "gl-code-quality-report.json").read_text())
    assert {i["check_name"].split()[0] for i in cq} == {"MIG002", "MIG006", "MIG030"}
    sarif = json.loads((repo / "migcheck.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert "MIG002" in capsys.readouterr().out
    assert ci_cmd.run(_args(fail_on="never")) == 0


def test_ci_mode_without_base_explains(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("CI_MERGE_REQUEST_DIFF_BASE_SHA", "CI_MERGE_REQUEST_TARGET_BRANCH_SHA"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(InputError, match="CI_MERGE_REQUEST_DIFF_BASE_SHA"):
        ci_cmd.run(_args(head="abc"))


def _series_repo(tmp_path: Path) -> tuple[Path, str, str]:
    import os

    repo = tmp_path / "r"
    base = build_sample_repo(examples_dir() / "sample-base", repo)
    patches = sorted(str(p) for p in (examples_dir() / "sample-series").glob("000[1-9]*"))
    subprocess.run(["git", "-C", str(repo), "am", "-q", *patches], check=True,
                   env={**os.environ, **GIT_ENV})
    return repo, base, _git(repo, "rev-parse", "HEAD")


def _git(repo: Path, *args: str) -> str:
    import os

    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env={**os.environ, **GIT_ENV}).stdout.strip()


def _clear_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("CI_MERGE_REQUEST_DIFF_BASE_SHA", "CI_MERGE_REQUEST_TARGET_BRANCH_SHA",
                "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "CI_MERGE_REQUEST_IID", "CI_COMMIT_SHA",
                "CI_COMMIT_BRANCH", "CI_DEFAULT_BRANCH", "CI_PROJECT_DIR"):
        monkeypatch.delenv(var, raising=False)


def test_old_side_findings_are_annotated_on_the_heads_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MIG002 is at line 27 of the *old* foo.c; patch 2 inserts lines above it, so in the head
    the removal sits before `ctrl`, 9 lines further down: that is where the MR shows it."""
    _clear_ci(monkeypatch)
    repo, base, head = _series_repo(tmp_path)
    assert ci_cmd.run(_args(repo=str(repo), base=base, head=head, fail_on="never")) == 0
    lines = (repo / "hw/misc/foo.c").read_text().split("\n")
    cq = {i["check_name"].split()[0]: i["location"] for i in
          json.loads((repo / "gl-code-quality-report.json").read_text())}
    sarif = json.loads((repo / "migcheck.sarif").read_text())["runs"][0]["results"]
    start = {r["ruleId"]: r["locations"][0]["physicalLocation"]["region"]["startLine"]
             for r in sarif}
    for rule, text in (("MIG002", "VMSTATE_UINT32(ctrl"), ("MIG006", "vmstate_foo_fifo = {"),
                       ("MIG030", '"turbo"')):
        assert text in lines[cq[rule]["lines"]["begin"] - 1], rule
        assert start[rule] == cq[rule]["lines"]["begin"], rule
    assert cq["MIG002"]["lines"]["begin"] != 27


def test_default_branch_pipeline_writes_an_empty_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clear_ci(monkeypatch)
    repo, _, head = _series_repo(tmp_path)
    monkeypatch.setenv("CI_PROJECT_DIR", str(repo))
    monkeypatch.setenv("CI_COMMIT_SHA", head)
    monkeypatch.setenv("CI_COMMIT_BRANCH", "master")
    monkeypatch.setenv("CI_DEFAULT_BRANCH", "master")
    assert ci_cmd.run(_args()) == 0
    assert json.loads((repo / "gl-code-quality-report.json").read_text()) == []
    sarif = json.loads((repo / "migcheck.sarif").read_text())
    assert sarif["runs"][0]["results"] == []
    monkeypatch.setenv("CI_COMMIT_BRANCH", "topic")  # another branch: no range to review
    with pytest.raises(InputError, match="not a pipeline of the default branch"):
        ci_cmd.run(_args())


def test_merged_results_pipeline_reviews_the_source_head_not_the_merge_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In merged-results pipelines CI_COMMIT_SHA is GitLab's merge of the MR into the target's
    tip; the target moved meanwhile (here: a commit that itself removes a field). Only the MR's
    own changes are its findings."""
    _clear_ci(monkeypatch)
    repo, base, head = _series_repo(tmp_path)
    _git(repo, "checkout", "-q", "-b", "target", base)
    foo = (repo / "hw/misc/foo.c").read_text()
    (repo / "hw/misc/foo.c").write_text(foo.replace(".version_id = 1,", ".version_id = 2,", 1))
    _git(repo, "commit", "-qam", "hw/misc/foo: bump the version")  # a finding of its own
    assert ci_cmd.run(_args(repo=str(repo), base=base, head=_git(repo, "rev-parse", "HEAD"),
                            fail_on="never", sarif="target.sarif")) == 0
    target = json.loads((repo / "target.sarif").read_text())["runs"][0]["results"]
    assert target  # reviewing the target's own change finds something
    _git(repo, "merge", "-q", "--no-ff", "-m", "merge", head)
    merge = _git(repo, "rev-parse", "HEAD")
    monkeypatch.setenv("CI_PROJECT_DIR", str(repo))
    monkeypatch.setenv("CI_MERGE_REQUEST_IID", "7")
    monkeypatch.setenv("CI_MERGE_REQUEST_DIFF_BASE_SHA", base)
    monkeypatch.setenv("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", head)
    monkeypatch.setenv("CI_COMMIT_SHA", merge)
    assert ci_cmd.run(_args(fail_on="never")) == 0
    sarif = json.loads((repo / "migcheck.sarif").read_text())["runs"][0]
    assert sarif["properties"]["head"] == head
    assert {r["ruleId"] for r in sarif["results"]} == {"MIG002", "MIG006", "MIG030"}
