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
