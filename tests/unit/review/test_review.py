"""bot.review: the one review use case (sources -> index trees -> analyze) on real repositories."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sources"))

from gitfix import VMSD_BASE, VMSD_FIELD_REMOVED, GitRepo

from bot.findings import Severity
from bot.report import reaches
from bot.review import ReviewOptions, changed_sources, default_cache_dir, review
from bot.sources.gitrange import series_from_range
from bot.sources.patches import applied_series


@pytest.fixture()
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.tag("base", r.commit({"hw/misc/foo.c": VMSD_BASE, "hw/misc/gone.h": "#define G 1\n"}))
    r.commit(
        {"hw/misc/foo.c": VMSD_FIELD_REMOVED, "hw/misc/gone.h": None, "docs/a.rst": "a\n"},
        "hw/misc/foo: drop scratch",
    )
    return r


def _review(repo: GitRepo, cache: Path | None) -> Any:
    series = series_from_range(str(repo.path), "base..master")
    return review(series, ReviewOptions(repo=str(repo.path), cache_dir=cache))


def test_review_range_without_index(repo: GitRepo) -> None:
    report = _review(repo, None)
    assert [f.rule for f in report.findings] == ["MIG002"]
    assert report.findings[0].patch_index == 1


def test_review_range_with_index(repo: GitRepo, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    report = _review(repo, cache)
    assert "MIG002" in {f.rule for f in report.findings}
    assert cache.is_dir() and any(cache.iterdir())


def test_review_patches(repo: GitRepo, tmp_path: Path) -> None:
    head = repo.head()
    assert head is not None
    mails = repo.write_mails([head], tmp_path / "mails")
    with applied_series(str(repo.path), "base", mails) as series:
        report = review(series, ReviewOptions(repo=str(repo.path), cache_dir=tmp_path / "c"))
    assert "MIG002" in {f.rule for f in report.findings}


def test_changed_sources(repo: GitRepo) -> None:
    s = series_from_range(str(repo.path), "base..master")
    assert sorted(changed_sources(s)) == ["hw/misc/foo.c", "hw/misc/gone.h"]


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "migcheck"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "migcheck"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "migcheck"


def test_review_without_repo_cannot_build(repo: GitRepo) -> None:
    from bot.artifacts.pipeline import ArtifactOptions
    from bot.errors import InputError

    series = series_from_range(str(repo.path), "base..master")
    with pytest.raises(InputError, match="needs the repository"):
        review(series, ReviewOptions(artifacts=ArtifactOptions()))


def test_one_threshold_function() -> None:
    table = {
        "error": (True, False, False),
        "warning": (True, True, False),
        "note": (True, True, True),
        "never": (False, False, False),
    }
    order = (Severity.ERROR, Severity.WARNING, Severity.NOTE)
    for threshold, expect in table.items():
        got = tuple(reaches(s, threshold) for s in order)
        assert got == expect, threshold
