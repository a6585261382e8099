"""In-memory apply (bot.workspace.apply_series) against real `git am -3` on real repositories:
same trees, same refusals (unsafe paths, symbolic links), no filter or merge driver, three-way
via the index-line blobs, and the `git am -3` fallback saying why."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pygit2
import pytest
from gitfix import VMSD_BASE, GitRepo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pygit2.enums import FileMode

from bot.errors import ApplyError
from bot.sources.mail import MailPatch, split_mbox
from bot.workspace import AppliedSeries, apply_mails, apply_series, scratch_worktree


def git(repo: GitRepo, *args: str, stdin: bytes | None = None) -> bytes:
    """Run real git in the test repository."""
    return subprocess.run(
        ["git", "-C", str(repo.path), "-c", "user.name=T", "-c", "user.email=t@example.org",
         *args],
        input=stdin, capture_output=True, check=True,
    ).stdout  # fmt: skip


def format_patch(repo: GitRepo, rng: str, *extra: str) -> list[MailPatch]:
    """`git format-patch --stdout RANGE` as parsed patch mails."""
    data = git(repo, "format-patch", "--stdout", *extra, rng)
    return [m.as_mail_patch(source=f"<{m.msgid}>") for m in split_mbox(data) if m.has_diff]


def with_git_am(repo: GitRepo, base: str, mails: list[MailPatch]) -> str:
    """The head `git am -3` makes of the mails in a scratch worktree (the old path)."""
    with scratch_worktree(str(repo.path / ".git"), base) as wt:
        return apply_mails(wt, mails)


def tree_of(repo: GitRepo, commit: str) -> str:
    """Tree id of a commit (reopened: git may have written objects behind pygit2)."""
    return str(pygit2.Repository(str(repo.path))[commit].peel(pygit2.Commit).tree_id)


def both(repo: GitRepo, base: str, mails: list[MailPatch]) -> AppliedSeries:
    """Apply both ways; assert the same tree; return the in-memory result."""
    mem = apply_series(str(repo.path), base, mails)
    am = with_git_am(repo, base, mails)
    assert tree_of(repo, mem.head) == tree_of(repo, am)
    return mem


def reset(repo: GitRepo, commit: str) -> None:
    """Point master back at commit (the mailed commits must not be in the base)."""
    repo.repo.references.create("refs/heads/master", pygit2.Oid(hex=commit), force=True)


def raw_mail(diff: str, subject: str = "[PATCH] hw: change") -> MailPatch:
    """A hand-written patch mail around a diff."""
    raw = (
        "From: Eve Example <eve@example.org>\nDate: Mon, 5 Jan 2026 10:00:00 +0100\n"
        f"Subject: {subject}\n\nWhy.\n\nSigned-off-by: Eve Example <eve@example.org>\n---\n"
        + diff
        + "-- \n2.39.5\n"
    ).encode()
    return MailPatch(source="evil.patch", number=1, subject=subject,
                     author="Eve Example <eve@example.org>", raw=raw)  # fmt: skip


LINES = "".join(f"int line{i};\n" for i in range(1, 41))


def mailed_edit(tmp_path: Path, message: str) -> tuple[GitRepo, str, list[MailPatch]]:
    """A repository at a base with hw/a.c, and the mail of a commit editing its line 20 (the
    commit itself is not in the history any more)."""
    r = GitRepo(tmp_path / "r")
    base = r.commit({"hw/a.c": LINES}, "base")
    tip = r.commit({"hw/a.c": LINES.replace("line20;", "line20x;")}, message)
    mails = format_patch(r, f"{base}..{tip}")
    reset(r, base)
    return r, base, mails


# --- same result as git am -3 ----------------------------------------------------------------


def test_mixed_series_same_tree_as_git_am(tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "r")
    base = r.commit({"VERSION": "10.1.50\n", "hw/a.c": LINES, "hw/old.c": VMSD_BASE,
                     "hw/tail.c": "a\nb\nno newline",
                     "hw/l1.c": "/* caf\xe9 */\nint a;\n".encode("latin-1"),
                     "scripts/run.sh": "#!/bin/sh\n", "gone.c": "bye\n"}, "base")  # fmt: skip
    r.commit({"hw/a.c": LINES.replace("line3;", "line3x;").replace("line38;", "line38x;")},
             "hw/a: two hunks\n\nBody text.")  # fmt: skip
    r.commit({"hw/old.c": None, "hw/new name.c": VMSD_BASE + "/* moved */\n"}, "rename")
    latin1 = "/* caf\xe9 */\nint a;\nint b;\n".encode("latin-1")
    r.commit({"hw/tail.c": "a\nB\nstill no newline", "hw/l1.c": latin1}, "edge bytes")
    r.commit({"gone.c": None, "hw/empty.c": "", "hw/\u00e9t\u00e9.c": "int x;\n"}, "add/del")
    repo = r.repo  # then a mode change and a symbolic link, with pygit2
    parent = repo[r.head()].peel(pygit2.Commit)
    tb = repo.TreeBuilder(parent.tree)
    scripts = repo.TreeBuilder(parent.tree["scripts"])
    scripts.insert("run.sh", parent.tree["scripts/run.sh"].id, FileMode.BLOB_EXECUTABLE)
    tb.insert("scripts", scripts.write(), FileMode.TREE)
    tb.insert("link", repo.create_blob(b"hw/a.c"), FileMode.LINK)
    sig = pygit2.Signature("Ada Example", "ada@example.org", 1_767_700_000, 60)
    tip = str(repo.create_commit("refs/heads/master", sig, sig, "mode and link\n", tb.write(),
                                 [parent.id]))  # fmt: skip
    mails = format_patch(r, f"{base}..{tip}", "-M")
    reset(r, base)
    mem = both(r, base, mails)
    assert mem.method == "in memory"
    assert tree_of(r, mem.head) == tree_of(r, tip)


def test_hunks_found_at_an_offset(tmp_path: Path) -> None:
    r, _, mails = mailed_edit(tmp_path, "edit")
    moved = r.commit({"hw/a.c": "/* new header */\n" * 7 + LINES}, "lines above")
    mem = both(r, moved, mails)
    assert mem.method == "in memory"
    blob = pygit2.Repository(str(r.path))[mem.head].peel(pygit2.Commit).tree["hw/a.c"]
    assert b"int line20x;\n" in blob.data and blob.data.startswith(b"/* new header */")


def test_three_way_when_the_context_changed(tmp_path: Path) -> None:
    """Context of the hunk changed on the base: direct apply fails, the merge with the blob of
    the `index` line as ancestor succeeds, as with `git am -3`."""
    r, _, mails = mailed_edit(tmp_path, "edit 20")
    other = r.commit({"hw/a.c": LINES.replace("line18;", "line18y;")}, "edit 18 (context)")
    mem = both(r, other, mails)
    assert mem.method == "in memory"
    data = pygit2.Repository(str(r.path))[mem.head].peel(pygit2.Commit).tree["hw/a.c"].data
    assert b"line18y;" in data and b"line20x;" in data


def test_three_way_conflict_is_an_apply_error(tmp_path: Path) -> None:
    r, _, mails = mailed_edit(tmp_path, "hw/a: edit 20")
    other = r.commit({"hw/a.c": LINES.replace("line20;", "line20z;")}, "same line")
    with pytest.raises(ApplyError) as mem_err:
        apply_series(str(r.path), other, mails)
    with pytest.raises(ApplyError):
        with_git_am(r, other, mails)
    text = str(mem_err.value)
    assert "patch 1/1 does not apply: [PATCH] hw/a: edit 20" in text
    assert "CONFLICT (content): Merge conflict in hw/a.c" in text
    assert mem_err.value.exit_code == 2


def test_unknown_ancestor_blob_fails_like_git(tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "r")
    base = r.commit({"hw/a.c": "int a;\nint b;\nint c;\n"}, "base")
    diff = ("diff --git a/hw/a.c b/hw/a.c\nindex 1234567..89abcde 100644\n--- a/hw/a.c\n"
            "+++ b/hw/a.c\n@@ -1,3 +1,3 @@\n int a;\n-int q;\n+int r;\n int c;\n")  # fmt: skip
    with pytest.raises(ApplyError, match="sha1 information is lacking"):
        apply_series(str(r.path), base, [raw_mail(diff)])
    with pytest.raises(ApplyError):
        with_git_am(r, base, [raw_mail(diff)])


def test_crlf_file_fails_as_with_git_am(tmp_path: Path) -> None:
    """mbox lines lose their CR (git mailsplit does it too), so a CRLF file's hunks do not
    match, directly nor three-way: both paths refuse the patch."""
    r = GitRepo(tmp_path / "r")
    base = r.commit({"hw/crlf.c": "x;\r\ny;\r\n"}, "base")
    tip = r.commit({"hw/crlf.c": "x;\r\nz;\r\n"}, "crlf")
    mails = format_patch(r, f"{base}..{tip}")
    reset(r, base)
    with pytest.raises(ApplyError, match=r"hw/crlf\.c"):
        apply_series(str(r.path), base, mails)
    with pytest.raises(ApplyError, match=r"hw/crlf\.c"):
        with_git_am(r, base, mails)


def test_already_applied_series(tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "r")
    base = r.commit({"hw/a.c": LINES}, "base")
    tip = r.commit({"hw/a.c": LINES.replace("line20;", "line20x;")}, "edit")
    mails = format_patch(r, f"{base}..{tip}")
    with pytest.raises(ApplyError, match="already applied"):
        apply_series(str(r.path), tip, mails)


# --- refusals: the same as git am ------------------------------------------------------------

UNSAFE = {
    "dotdot": "diff --git a/../evil.c b/../evil.c\nnew file mode 100644\nindex 0000000.."
    "e69de29\n--- /dev/null\n+++ b/../evil.c\n@@ -0,0 +1 @@\n+int x;\n",
    "inner-dotdot": "diff --git a/hw/../../evil.c b/hw/../../evil.c\nnew file mode 100644\n"
    "--- /dev/null\n+++ b/hw/../../evil.c\n@@ -0,0 +1 @@\n+int x;\n",
    "absolute-rename": "diff --git a/hw/a.c b/tmp/x.c\nsimilarity index 100%\n"
    "rename from hw/a.c\nrename to /tmp/x.c\n",
    "dotgit": "diff --git a/.git/hooks/post-checkout b/.git/hooks/post-checkout\n"
    "new file mode 100755\n--- /dev/null\n+++ b/.git/hooks/post-checkout\n@@ -0,0 +1 @@\n"
    "+touch /tmp/pwned\n",
    "dotgit-case": "diff --git a/sub/.GIT/config b/sub/.GIT/config\nnew file mode 100644\n"
    "--- /dev/null\n+++ b/sub/.GIT/config\n@@ -0,0 +1 @@\n+[core]\n",
    "dotgit-ntfs": "diff --git a/git~1/config b/git~1/config\nnew file mode 100644\n"
    "--- /dev/null\n+++ b/git~1/config\n@@ -0,0 +1 @@\n+[core]\n",
    "dotgit-trailing-dot": "diff --git a/.git./config b/.git./config\nnew file mode 100644\n"
    "--- /dev/null\n+++ b/.git./config\n@@ -0,0 +1 @@\n+[core]\n",
}


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_unsafe_paths_refused_like_git_am(tmp_path: Path, case: str) -> None:
    r = GitRepo(tmp_path / "r")
    base = r.commit({"hw/a.c": "int a;\n"}, "base")
    mail = raw_mail(UNSAFE[case])
    with pytest.raises(ApplyError) as ei:
        apply_series(str(r.path), base, [mail])
    assert "invalid path" in str(ei.value) or "absolute path" in str(ei.value)
    with pytest.raises(ApplyError):  # the old path refuses it as well
        with_git_am(r, base, [mail])
    assert not (tmp_path / "evil.c").exists()


def test_write_through_a_symlink_refused_like_git_am(tmp_path: Path) -> None:
    """Patch 1 adds `hw/out -> <outside dir>`, patch 2 writes `hw/out/evil.c`."""
    r = GitRepo(tmp_path / "r")
    base = r.commit({"hw/a.c": "int a;\n"}, "base")
    outside = tmp_path / "outside"
    outside.mkdir()
    link = (f"diff --git a/hw/out b/hw/out\nnew file mode 120000\nindex 0000000..1111111\n"
            f"--- /dev/null\n+++ b/hw/out\n@@ -0,0 +1 @@\n+{outside}\n"
            "\\ No newline at end of file\n")  # fmt: skip
    write = ("diff --git a/hw/out/evil.c b/hw/out/evil.c\nnew file mode 100644\n"
             "--- /dev/null\n+++ b/hw/out/evil.c\n@@ -0,0 +1 @@\n+int evil;\n")  # fmt: skip
    mails = [raw_mail(link, "[PATCH 1/2] link"), raw_mail(write, "[PATCH 2/2] write")]
    with pytest.raises(ApplyError) as ei:
        apply_series(str(r.path), base, mails)
    assert "patch 2/2 does not apply" in str(ei.value)
    assert "beyond a symbolic link" in str(ei.value)
    with pytest.raises(ApplyError):
        with_git_am(r, base, mails)
    assert list(outside.iterdir()) == []


def test_no_filter_or_merge_driver_runs(tmp_path: Path) -> None:
    """Drivers configured in the repository and selected by .gitattributes (the base's and
    one the series adds) never run: content goes from blob to blob, merges are libgit2's."""
    r = GitRepo(tmp_path / "r")
    marker = tmp_path / "ran"
    cfg = r.repo.config
    cfg["filter.evil.clean"] = f"touch {marker}-clean; cat"
    cfg["filter.evil.smudge"] = f"touch {marker}-smudge; cat"
    cfg["merge.evil.driver"] = f"touch {marker}-merge; false"
    base = r.commit({".gitattributes": "*.c filter=evil merge=evil\n", "hw/a.c": LINES}, "base")
    tip = r.commit({"hw/a.c": LINES.replace("line20;", "line20x;"),
                    "hw/.gitattributes": "*.h filter=evil\n",
                    "hw/b.h": "int b;\n"}, "edit")  # fmt: skip
    mails = format_patch(r, f"{base}..{tip}")
    reset(r, base)
    other = r.commit({"hw/a.c": LINES.replace("line18;", "line18y;")}, "needs a merge")
    mem = apply_series(str(r.path), other, mails)
    assert mem.method == "in memory"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ran")) == []


# --- fallback to git am -3, and saying why --------------------------------------------------


def test_binary_patch_falls_back_to_git_am(tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "r")
    base = r.commit({"hw/a.c": LINES, "pc-bios/fw.bin": b"\x00\x01\x02"}, "base")
    c1 = r.commit({"hw/a.c": LINES.replace("line3;", "line3x;")}, "edit")
    tip = r.commit({"pc-bios/fw.bin": b"\x00\x07\x02\x09"}, "firmware")
    mails = format_patch(r, f"{base}..{tip}", "--binary")
    assert c1
    reset(r, base)
    mem = apply_series(str(r.path), base, mails)
    assert mem.method == "in memory (patch 1), git am -3 (patch 2: binary patch)"
    assert tree_of(r, mem.head) == tree_of(r, tip)


def test_multipart_mail_falls_back_to_git_am(tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "r")
    base = r.commit({"hw/a.c": LINES}, "base")
    tip = r.commit({"hw/a.c": LINES.replace("line3;", "line3x;")}, "hw/a: edit")
    diff = git(r, "diff", f"{base}..{tip}")
    reset(r, base)
    raw = (
        b"From: Ada Example <ada@example.org>\nDate: Mon, 5 Jan 2026 10:00:00 +0100\n"
        b"Subject: [PATCH] hw/a: edit\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="XX"\n\n--XX\n'
        b"Content-Type: text/plain\n\nThe patch is attached.\n--XX\n"
        b'Content-Type: text/x-patch; name="a.patch"\n'
        b"Content-Disposition: attachment; filename=a.patch\n\n" + diff + b"--XX--\n"
    )
    mail = MailPatch(source="att.mbox", number=1, subject="[PATCH] hw/a: edit",
                     author="Ada Example <ada@example.org>", raw=raw)  # fmt: skip
    mem = apply_series(str(r.path), base, [mail])
    assert mem.method == "git am -3 (MIME multipart mail (attachments))"
    assert tree_of(r, mem.head) == tree_of(r, tip)


def test_file_renamed_in_the_base_falls_back_to_git_am(tmp_path: Path) -> None:
    """The base renamed the file the patch edits: only git's merge follows the rename."""
    r, _, mails = mailed_edit(tmp_path, "edit")
    moved = r.commit({"hw/a.c": None, "hw/moved.c": LINES}, "rename a.c")
    mem = apply_series(str(r.path), moved, mails)
    assert mem.method == "git am -3 (hw/a.c: not in the base tree (renamed there?))"
    data = pygit2.Repository(str(r.path))[mem.head].peel(pygit2.Commit).tree["hw/moved.c"].data
    assert b"line20x;" in data


def test_commit_metadata_from_the_mail(tmp_path: Path) -> None:
    """Author (in-body From: wins), date with zone, subject without prefixes, body."""
    r = GitRepo(tmp_path / "r")
    base = r.commit({"hw/a.c": "int a;\n"}, "base")
    diff = ("diff --git a/hw/a.c b/hw/a.c\nindex 0000000..1111111 100644\n--- a/hw/a.c\n"
            "+++ b/hw/a.c\n@@ -1 +1,2 @@\n int a;\n+int b;\n")  # fmt: skip
    mail = raw_mail(diff, "Re: [RFC PATCH v2 3/7] [qemu] hw/a: add b")
    raw = mail.raw.replace(b"\n\nWhy.", b"\n\nFrom: Bob Coder <bob@example.org>\n\nWhy.")
    mail = MailPatch("m", 1, mail.subject, mail.author, raw)
    mem = apply_series(str(r.path), base, [mail])
    c = pygit2.Repository(str(r.path))[mem.head].peel(pygit2.Commit)
    assert (c.author.name, c.author.email) == ("Bob Coder", "bob@example.org")
    assert (c.author.time, c.author.offset) == (1_767_603_600, 60)
    assert c.message == "hw/a: add b\n\nWhy.\n\nSigned-off-by: Eve Example <eve@example.org>\n"
    assert c.committer.name == "migcheck"
    again = apply_series(str(r.path), base, [mail])
    assert again.head == mem.head  # reproducible ids


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(data=st.data())
def test_damaged_mails_fail_cleanly(tmp_path: Path, data: st.DataObject) -> None:
    """A real mail with bytes cut, inserted or changed: applied (in memory or by git am -3)
    or refused with an ApplyError — never another exception."""
    r, base, mails = mailed_edit(tmp_path / str(data.draw(st.integers(0, 10**9))), "edit")
    raw = bytearray(mails[0].raw)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        op = data.draw(st.sampled_from(["cut", "insert", "set"]))
        junk = data.draw(st.binary(min_size=1, max_size=8))
        if op == "cut":
            del raw[at : at + len(junk)]
        elif op == "insert":
            raw[at:at] = junk
        else:
            raw[at : at + len(junk)] = junk
    mail = MailPatch("fuzz.patch", 1, "[PATCH] fuzz", "Eve <eve@example.org>", bytes(raw))
    try:
        applied = apply_series(str(r.path), base, [mail])
    except ApplyError as exc:
        assert exc.exit_code == 2 and str(exc)
    else:
        assert pygit2.Repository(str(r.path)).get(applied.head) is not None
