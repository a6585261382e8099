"""bot.sources.gitrange on real repositories made with pygit2."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitfix import VMSD_BASE, VMSD_FIELD_REMOVED, GitRepo

from bot.errors import InputError
from bot.series import Hunk
from bot.sources.gitrange import series_from_range, split_range


@pytest.fixture()
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    base = r.commit({"VERSION": "10.1.50\n", "hw/misc/foo.c": VMSD_BASE, "README": "hi\n"}, "base")
    r.tag("base", base)
    return r


def test_two_commits_oldest_first_with_folded_and_versions(repo: GitRepo) -> None:
    c1 = repo.commit({"hw/misc/foo.c": VMSD_FIELD_REMOVED}, "hw/misc/foo: drop scratch\n\nwhy")
    c2 = repo.commit({"VERSION": "10.1.90\n", "docs/x.rst": "doc\n"}, "docs: add x")
    s = series_from_range(str(repo.path), "base..master")
    assert [p.commit for p in s.patches] == [c1, c2]
    assert [p.index for p in s.patches] == [1, 2]
    assert s.patches[0].subject == "hw/misc/foo: drop scratch"
    assert s.patches[0].author == "Ada Example <ada@example.org>"
    (fc,) = s.patches[0].files
    assert fc.old_path == fc.new_path == "hw/misc/foo.c"
    assert fc.old == VMSD_BASE.encode() and fc.new == VMSD_FIELD_REMOVED.encode()
    assert fc.hunks == (Hunk(old_start=9, old_len=1, new_start=8, new_len=0),)
    assert not fc.binary
    assert {f.path for f in s.folded} == {"hw/misc/foo.c", "VERSION", "docs/x.rst"}
    assert s.base_version == "10.1.50" and s.head_version == "10.1.90"
    assert s.head == c2


@pytest.mark.parametrize(
    ("spec", "subjects"),
    [
        ("one^..master", ["one", "two", "three"]),
        ("master~1..master", ["three"]),
        ("master~3..master", ["one", "two", "three"]),
        ("base..", ["one", "two", "three"]),
        ("base..HEAD", ["one", "two", "three"]),
    ],
)
def test_revision_expressions(repo: GitRepo, spec: str, subjects: list[str]) -> None:
    repo.tag("one", repo.commit({"a.c": "int a;\n"}, "one"))
    repo.commit({"a.c": "int b;\n"}, "two")
    repo.commit({"a.c": "int c;\n"}, "three")
    s = series_from_range(str(repo.path), spec)
    assert [p.subject for p in s.patches] == subjects


def test_range_from_root_parent_is_unknown(repo: GitRepo) -> None:
    with pytest.raises(InputError, match="unknown revision"):
        series_from_range(str(repo.path), "base~1..master")


def test_merge_commit_diffs_against_first_parent(repo: GitRepo) -> None:
    base = repo.head()
    assert base is not None
    side = repo.commit({"hw/side.c": "int side;\n"}, "side work", branch="topic")
    main = repo.commit({"hw/main.c": "int main_;\n"}, "main work")
    merge = repo.commit({"hw/side.c": "int side;\n"}, "Merge topic", parents=[main, side])
    s = series_from_range(str(repo.path), "base..master")
    assert [p.subject for p in s.patches] == ["main work", "Merge topic"]
    assert s.patches[1].commit == merge
    assert [f.path for f in s.patches[1].files] == ["hw/side.c"]
    assert {f.path for f in s.folded} == {"hw/main.c", "hw/side.c"}


def test_base_not_ancestor_uses_merge_base(repo: GitRepo) -> None:
    fork = repo.head()
    assert fork is not None
    repo.commit({"upstream.c": "int u;\n"}, "upstream moved on")
    topic = repo.commit({"hw/t.c": "int t;\n"}, "topic", branch="topic", parents=[fork])
    for spec in ("master..topic", "master...topic"):
        s = series_from_range(str(repo.path), spec)
        assert s.base == fork and s.head == topic
        assert [f.path for f in s.folded] == ["hw/t.c"]


def test_rename_delete_add_binary(repo: GitRepo) -> None:
    repo.commit({"hw/old.c": "int x;\nint y;\nint z;\n", "blob.bin": b"\x00\x01\x02"}, "prep")
    repo.tag("prep", str(repo.head()))
    repo.commit(
        {
            "hw/old.c": None,
            "hw/new.c": "int x;\nint y;\nint z;\n",
            "README": None,
            "blob.bin": b"\x00\x09\x02\x03",
            "hw/added.h": "#define A 1\n",
        },
        "move things",
    )
    s = series_from_range(str(repo.path), "prep..master")
    by = {(f.old_path, f.new_path): f for f in s.patches[0].files}
    assert ("hw/old.c", "hw/new.c") in by  # rename found
    assert by[("README", None)].new is None and by[("README", None)].old == b"hi\n"
    assert by[(None, "hw/added.h")].old is None
    binf = by[("blob.bin", "blob.bin")]
    assert binf.binary and binf.hunks == () and binf.new == b"\x00\x09\x02\x03"


def test_non_utf8_content_and_message(repo: GitRepo) -> None:
    latin = "/* caf\xe9 */\nint a;\n".encode("latin-1")
    repo.commit(
        {"hw/l.c": latin},
        raw_message="hw: caf\xe9 na\xefve\n".encode("latin-1"),
        encoding="ISO-8859-1",
    )
    repo.commit({"hw/m.c": "int m;\n"}, raw_message=b"hw: bad \xff\xfe bytes\n")
    s = series_from_range(str(repo.path), "base..master")
    assert s.patches[0].subject == "hw: café naïve"
    assert s.patches[0].files[0].new == latin
    assert s.patches[1].subject.startswith("hw: bad ")


def test_no_version_file(tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "r")
    r.tag("b", r.commit({"a.c": "int a;\n"}, "b"))
    r.commit({"a.c": "int b;\n"}, "c")
    s = series_from_range(str(r.path), "b..master")
    assert s.base_version is None and s.head_version is None


def test_bare_repository(repo: GitRepo, tmp_path: Path) -> None:
    import pygit2

    repo.commit({"a.c": "int a;\n"}, "one")
    bare = pygit2.clone_repository(str(repo.path), str(tmp_path / "bare.git"), bare=True)
    s = series_from_range(bare.path, "master~1..master")
    assert [p.subject for p in s.patches] == ["one"]


# ---- bad input ----------------------------------------------------------------------------


def test_not_a_git_directory(tmp_path: Path) -> None:
    d = tmp_path / "plain"
    d.mkdir()
    with pytest.raises(InputError, match="not a git repository") as ei:
        series_from_range(str(d), "a..b")
    assert ei.value.hint and "--repo" in ei.value.hint


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such directory"):
        series_from_range(str(tmp_path / "nope"), "a..b")


def test_unknown_revision(repo: GitRepo) -> None:
    with pytest.raises(InputError, match="unknown revision") as ei:
        series_from_range(str(repo.path), "base..no-such-branch")
    assert ei.value.input_name == "no-such-branch"
    with pytest.raises(InputError, match="unknown revision"):
        series_from_range(str(repo.path), "deadbeef..master")


def test_revision_naming_a_tree_is_rejected(repo: GitRepo) -> None:
    with pytest.raises(InputError, match="unknown revision"):
        series_from_range(str(repo.path), "master^{tree}..master")


@pytest.mark.parametrize("spec", ["master..master", "base..base"])
def test_empty_range(repo: GitRepo, spec: str) -> None:
    with pytest.raises(InputError, match="has no commits"):
        series_from_range(str(repo.path), spec)


def test_reversed_range_is_empty(repo: GitRepo) -> None:
    repo.commit({"a.c": "int a;\n"}, "one")
    with pytest.raises(InputError, match="has no commits") as ei:
        series_from_range(str(repo.path), "master..base")
    assert ei.value.hint and "older revision first" in ei.value.hint


@pytest.mark.parametrize("spec", ["master", "", "..master", "a..b..c"])
def test_not_a_range(repo: GitRepo, spec: str) -> None:
    with pytest.raises(InputError):
        series_from_range(str(repo.path), spec)


def test_unrelated_histories(repo: GitRepo) -> None:
    repo.commit({"x.c": "int x;\n"}, "orphan", branch="orphan", parents=[])
    with pytest.raises(InputError, match="no common history"):
        series_from_range(str(repo.path), "base..orphan")


def test_too_many_commits(repo: GitRepo) -> None:
    for i in range(4):
        repo.commit({"a.c": f"int a{i};\n"}, f"c{i}")
    with pytest.raises(InputError, match="limit 3"):
        series_from_range(str(repo.path), "base..master", max_commits=3)


def test_split_range() -> None:
    assert split_range("a..b") == ("a", "b")
    assert split_range("a...b") == ("a", "b")
    assert split_range("a..") == ("a", "HEAD")
    assert split_range("v1.0~3..HEAD") == ("v1.0~3", "HEAD")
