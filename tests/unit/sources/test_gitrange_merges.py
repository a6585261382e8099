"""Pull requests: a range with merge commits attributes findings to the commit inside the
merged branch (its subject and author), not to the merge; real repositories via pygit2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitfix import VMSD_BASE, VMSD_FIELD_REMOVED, GitRepo

from bot.reporters import json_out, text
from bot.review import ReviewOptions, review
from bot.sources.gitrange import series_from_range

BOB = ("Bob Builder", "bob@example.org")
VMSD_VERSION_BUMP = VMSD_BASE.replace(".version_id = 1,", ".version_id = 2,").replace(
    ".minimum_version_id = 1,", ".minimum_version_id = 2,"
)


@pytest.fixture()
def pull(tmp_path: Path) -> tuple[GitRepo, dict[str, str]]:
    """base -> main work; topic (from base): docs, then Bob's field removal; merge topic."""
    r = GitRepo(tmp_path / "repo")
    base = r.commit({"hw/misc/foo.c": VMSD_BASE, "hw/misc/bar.c": VMSD_BASE}, "base")
    r.tag("base", base)
    docs = r.commit({"docs/foo.rst": "foo\n"}, "docs: foo", branch="topic", parents=[base])
    drop = r.commit(
        {"hw/misc/foo.c": VMSD_FIELD_REMOVED},
        "hw/misc/foo: drop scratch",
        branch="topic",
        author=BOB,
    )
    main = r.commit({"hw/misc/bar.c": VMSD_VERSION_BUMP}, "hw/misc/bar: bump version")
    merge = r.commit({"hw/misc/foo.c": VMSD_FIELD_REMOVED}, "Merge tag 'pull-foo'",
                     parents=[main, drop])  # fmt: skip
    return r, {"base": base, "docs": docs, "drop": drop, "main": main, "merge": merge}


def test_merged_commits_are_read_with_their_merge(pull: tuple[GitRepo, dict[str, str]]) -> None:
    repo, c = pull
    s = series_from_range(str(repo.path), "base..master")
    assert [p.commit for p in s.patches] == [c["main"], c["merge"]]
    assert [p.commit for p in s.merged] == [c["docs"], c["drop"]]  # oldest first
    assert {p.merged_by for p in s.merged} == {c["merge"]}
    assert {p.index for p in s.merged} == {2}  # the merge's position
    drop = s.commit_patch(c["drop"])
    assert drop is not None and drop.author == "Bob Builder <bob@example.org>"
    assert [f.path for f in drop.files] == ["hw/misc/foo.c"]  # against its own parent
    assert drop.committer == "Bob Builder <bob@example.org>"
    assert drop.message.startswith("hw/misc/foo: drop scratch")


def test_linear_range_has_no_merged_commits(pull: tuple[GitRepo, dict[str, str]]) -> None:
    repo, c = pull
    s = series_from_range(str(repo.path), f"base..{c['drop']}")
    assert s.merged == ()
    assert [p.commit for p in s.patches] == [c["docs"], c["drop"]]


def test_commits_base_already_has_are_not_merged_in(tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "repo")
    root = r.commit({"a.c": "int a;\n"}, "root")
    old = r.commit({"b.c": "int b;\n"}, "old topic work", branch="topic", parents=[root])
    r.tag("base", r.commit({"c.c": "int c;\n"}, "upstream", parents=[root]))
    new = r.commit({"b.c": "int b2;\n"}, "new topic work", branch="topic")
    r.commit({"b.c": "int b2;\n"}, "Merge topic", parents=[str(r.head()), new])
    # base merges `old` first, so only `new` is what this merge brings in
    base2 = r.commit({"b.c": "int b;\n"}, "Merge old", parents=[str(r.head("master")), old])
    assert base2
    s = series_from_range(str(r.path), "base..master")
    assert [p.subject for p in s.merged] == ["old topic work", "new topic work"]
    s2 = series_from_range(str(r.path), f"{old}..master")
    assert [p.subject for p in s2.merged] == ["new topic work"]


def test_finding_goes_to_the_commit_inside_the_pull(
    pull: tuple[GitRepo, dict[str, str]], tmp_path: Path
) -> None:
    repo, c = pull
    s = series_from_range(str(repo.path), "base..master")
    report = review(s, ReviewOptions(repo=str(repo.path), cache_dir=tmp_path / "cache"))
    by_rule = {f.rule: f for f in report.findings}
    removed = by_rule["MIG002"]
    assert removed.commit == c["drop"]  # not the merge
    assert removed.patch_index == 2
    assert dict(removed.extra)["merged_by"] == c["merge"]
    bumped = by_rule["MIG004"]  # on the first-parent line: unchanged attribution
    assert bumped.commit == c["main"] and "merged_by" not in dict(bumped.extra)

    out = text.render(report)
    assert (
        f"  from merged commit {c['drop'][:12]} hw/misc/foo: drop scratch "
        "(Bob Builder <bob@example.org>)"
    ) in out
    doc = json.loads(json_out.render(report))
    assert doc["series"][1]["merged"][1] == {
        "commit": c["drop"],
        "subject": "hw/misc/foo: drop scratch",
        "author": "Bob Builder <bob@example.org>",
    }
    assert "merged" not in doc["series"][0]
    (f,) = [f for f in doc["findings"] if f["rule"] == "MIG002"]
    assert f["commit"] == c["drop"]


def test_a_range_of_only_the_merge(pull: tuple[GitRepo, dict[str, str]], tmp_path: Path) -> None:
    """`M^1..M`: the pull request alone (one first-parent patch, the merge)."""
    repo, c = pull
    s = series_from_range(str(repo.path), f"{c['merge']}^1..{c['merge']}")
    assert [p.commit for p in s.patches] == [c["merge"]]
    report = review(s, ReviewOptions(repo=str(repo.path), cache_dir=None))
    (removed,) = [f for f in report.findings if f.rule == "MIG002"]
    assert removed.commit == c["drop"] and removed.patch_index == 1
