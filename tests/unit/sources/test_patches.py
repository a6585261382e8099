"""Mailed series applied onto a base (bot.workspace + patches): in memory, or with `git am -3`
in a scratch worktree for what only git does (here: a binary patch)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
from gitfix import VMSD_BASE, VMSD_FIELD_REMOVED, GitRepo

from bot.errors import ApplyError, InputError
from bot.sources.gitrange import series_from_range
from bot.sources.patches import applied_series, series_from_patches


def worktrees(repo: GitRepo) -> list[str]:
    out = subprocess.run(
        ["git", "--git-dir", str(repo.path / ".git"), "worktree", "list", "--porcelain"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [ln for ln in out.splitlines() if ln.startswith("worktree ")]


def scratch_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("migcheck-wt-*")}


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scratch worktrees go to this test's own temp dir, so that other runs on the machine
    creating and removing theirs cannot make `scratch_dirs() == before` fail."""
    d = tmp_path / "scratch"
    d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(d))


@pytest.fixture()
def series_repo(tmp_path: Path) -> tuple[GitRepo, str, list[str]]:
    """A repo at base plus three commits (edit, rename+delete, binary) turned into mails."""
    r = GitRepo(tmp_path / "repo")
    base = r.commit(
        {
            "VERSION": "10.1.50\n",
            "hw/misc/foo.c": VMSD_BASE,
            "hw/misc/old.c": "int x;\nint y;\nint z;\nint w;\n",
            "pc-bios/fw.bin": b"\x00\x01\x02\x03",
            "gone.txt": "bye\n",
        },
        "base",
    )
    c1 = r.commit({"hw/misc/foo.c": VMSD_FIELD_REMOVED}, "hw/misc/foo: drop scratch\n\nbody")
    c2 = r.commit(
        {"hw/misc/old.c": None, "hw/misc/new.c": "int x;\nint y;\nint z;\nint w;\n",
         "gone.txt": None},
        "hw/misc: rename old.c",
    )  # fmt: skip
    c3 = r.commit({"pc-bios/fw.bin": b"\x00\x07\x02\x03\x04"}, "pc-bios: update firmware")
    mails = r.write_mails([c1, c2, c3], tmp_path / "mails")
    # The mailed commits must not be in the repository's history for the test to mean much.
    r.repo.references.create("refs/heads/master", r.repo[base].id, force=True)
    return r, base, mails


def test_apply_format_patch_files(series_repo: tuple[GitRepo, str, list[str]]) -> None:
    r, base, mails = series_repo
    before = scratch_dirs()
    s = series_from_patches(str(r.path), base, mails)
    assert [p.subject for p in s.patches] == [
        "hw/misc/foo: drop scratch",
        "hw/misc: rename old.c",
        "pc-bios: update firmware",
    ]
    assert s.base == base and s.base_version == "10.1.50"
    assert s.patches[0].author == "Ada Example <ada@example.org>"
    (fc,) = s.patches[0].files
    assert fc.new == VMSD_FIELD_REMOVED.encode()
    files2 = {(f.old_path, f.new_path) for f in s.patches[1].files}
    assert ("hw/misc/old.c", "hw/misc/new.c") in files2 and ("gone.txt", None) in files2
    (binf,) = s.patches[2].files
    assert binf.binary and binf.new == b"\x00\x07\x02\x03\x04"
    # Patches 1-2 in memory; the binary patch 3 needs git am (and its worktree, removed).
    assert s.applied_with == "in memory (patches 1-2), git am -3 (patch 3: binary patch)"
    # Same result as reviewing the range the mails came from.
    assert len(worktrees(r)) == 1 and scratch_dirs() == before
    s2 = series_from_range(str(r.path), f"{base}..{s.head}")
    assert s2.folded == s.folded


def test_applied_commits_are_reproducible(series_repo: tuple[GitRepo, str, list[str]]) -> None:
    r, base, mails = series_repo
    a = series_from_patches(str(r.path), base, mails)
    b = series_from_patches(str(r.path), base, mails)
    assert a.head == b.head


def test_one_mbox_with_cover_letter(
    series_repo: tuple[GitRepo, str, list[str]], tmp_path: Path
) -> None:
    r, base, mails = series_repo
    cover = (
        b"From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
        b"From: Ada Example <ada@example.org>\nSubject: [PATCH 0/3] the series\n\nblurb\n\n"
    )
    box = tmp_path / "all.mbox"
    box.write_bytes(cover + b"".join(Path(m).read_bytes() for m in mails))
    s = series_from_patches(str(r.path), base, [str(box)])
    assert len(s.patches) == 3


def test_in_memory_needs_no_worktree(series_repo: tuple[GitRepo, str, list[str]]) -> None:
    r, base, mails = series_repo
    before = scratch_dirs()
    with applied_series(str(r.path), base, mails[:2]) as s:
        assert len(worktrees(r)) == 1 and scratch_dirs() == before
        assert r.repo.get(s.head) is not None
        assert s.applied_with == "in memory"
    assert r.repo.get(s.head) is not None  # the commits stay readable by id


def test_patch_that_does_not_apply(series_repo: tuple[GitRepo, str, list[str]]) -> None:
    r, _, mails = series_repo
    # Move the base so that patch 1 conflicts.
    other = r.commit({"hw/misc/foo.c": VMSD_BASE.replace("scratch", "spare")}, "rename field")
    before = scratch_dirs()
    with pytest.raises(ApplyError) as ei:
        series_from_patches(str(r.path), other, mails)
    err = ei.value
    text = str(err)
    assert err.input_name == mails[0]
    assert "patch 1/3 does not apply" in text
    assert "[PATCH 1/3] hw/misc/foo: drop scratch" in text
    assert "hw/misc/foo.c" in text  # git's reason names the file
    assert err.exit_code == 2
    assert len(worktrees(r)) == 1 and scratch_dirs() == before


def test_second_patch_fails(series_repo: tuple[GitRepo, str, list[str]]) -> None:
    r, _, mails = series_repo
    other = r.commit({"hw/misc/old.c": None}, "remove old.c first")
    with pytest.raises(ApplyError, match="patch 2/3 does not apply") as ei:
        series_from_patches(str(r.path), other, mails)
    assert ei.value.input_name == mails[1]
    assert ei.value.hint and "patch 1 applied cleanly" in ei.value.hint


def test_unknown_base(series_repo: tuple[GitRepo, str, list[str]]) -> None:
    r, _, mails = series_repo
    with pytest.raises(InputError, match="unknown revision"):
        series_from_patches(str(r.path), "no-such-base", mails)


def test_not_a_repo(tmp_path: Path, series_repo: tuple[GitRepo, str, list[str]]) -> None:
    _, _, mails = series_repo
    d = tmp_path / "plain"
    d.mkdir()
    with pytest.raises(InputError, match="not a git repository"):
        series_from_patches(str(d), "HEAD", mails)


def test_broken_mbox_fails_before_touching_the_repo(
    series_repo: tuple[GitRepo, str, list[str]], tmp_path: Path
) -> None:
    r, base, _ = series_repo
    bad = tmp_path / "bad.mbox"
    bad.write_text("hello\n")
    with pytest.raises(InputError, match="not an mbox"):
        series_from_patches(str(r.path), base, [str(bad)])
    assert len(worktrees(r)) == 1


def test_scratch_worktree_removed_on_exception(
    series_repo: tuple[GitRepo, str, list[str]],
) -> None:
    from bot.workspace import scratch_worktree

    r, base, _ = series_repo
    seen: list[Path] = []
    with pytest.raises(RuntimeError), scratch_worktree(str(r.path / ".git"), base) as wt:
        seen.append(wt)
        assert (wt / "hw" / "misc" / "foo.c").is_file()
        raise RuntimeError("boom")
    assert not seen[0].exists()
    assert len(worktrees(r)) == 1


def test_worktree_of_unknown_commit_is_an_input_error(
    series_repo: tuple[GitRepo, str, list[str]],
) -> None:
    from bot.workspace import scratch_worktree

    r, _, _ = series_repo
    with (
        pytest.raises(InputError, match="git worktree"),
        scratch_worktree(str(r.path / ".git"), "0" * 40),
    ):
        pass
    assert len(worktrees(r)) == 1


def test_non_utf8_mail_and_content(tmp_path: Path) -> None:
    """A Latin-1 mail (declared charset) changing a Latin-1 C file keeps the file's bytes."""
    r = GitRepo(tmp_path / "repo")
    old = "/* r\xe9gister */\nint a;\n".encode("latin-1")
    new = "/* r\xe9gister caf\xe9 */\nint a;\nint b;\n".encode("latin-1")
    base = r.commit({"hw/l.c": old}, "base")
    c = r.commit({"hw/l.c": new}, "hw/l: caf\xe9")
    mail = r.mail(c, 1, 1, subject="=?iso-8859-1?q?=5BPATCH=5D_hw/l=3A_caf=E9?=")
    mail = mail.replace(b"charset=UTF-8", b"charset=ISO-8859-1").replace(
        "caf\xe9".encode(), "caf\xe9".encode("latin-1")
    )
    p = tmp_path / "latin1.patch"
    p.write_bytes(mail)
    s = series_from_patches(str(r.path), base, [str(p)])
    assert s.patches[0].subject == "hw/l: café"
    assert s.patches[0].files[0].new == new


def test_json_report_says_how_the_series_was_applied(
    series_repo: tuple[GitRepo, str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from bot.cli import main

    r, base, mails = series_repo
    rc = main(["check", "--repo", str(r.path), "--base", base, "--no-index", "--format", "json",
               "--fail-on", "never", *mails])  # fmt: skip
    assert rc == 0
    stats = json.loads(capsys.readouterr().out)["stats"]
    assert stats["applied_with"] == "in memory (patches 1-2), git am -3 (patch 3: binary patch)"
