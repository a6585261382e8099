"""The author's own check before sending, with the real tools: `b4 prep --check` running
`migcheck patch-check` as b4's per-patch check command, and `git send-email --validate`
running it as the sendemail-validate hook against a real SMTP server on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from smtpfix import Sink

from bot.commands.demo import build_sample_repo, examples_dir

MIGCHECK = str(Path(sys.executable).parent / "migcheck")
SERIES = sorted((examples_dir() / "sample-series").glob("000[1-3]*.patch"))


def env_for(tmp: Path) -> dict[str, str]:
    """A clean HOME (no user git or b4 config, no b4 cache), migcheck on PATH."""
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "XDG_"))}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_NOSYSTEM="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
               LC_ALL="C.UTF-8")  # fmt: skip
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False,
                          timeout=300)  # fmt: skip


def author_repo(tmp: Path, env: dict[str, str]) -> Path:
    """The sample QEMU-like repository with the author's git identity."""
    repo = tmp / "qemu"
    build_sample_repo(examples_dir() / "sample-base", repo)
    for k, v in (("user.name", "Ada Example"), ("user.email", "ada@example.org")):
        run(["git", "config", k, v], repo, env)
    return repo


def git_ok(args: list[str], repo: Path, env: dict[str, str]) -> str:
    proc = run(["git", *args], repo, env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_b4_prep_check_runs_migcheck_per_patch(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    repo = author_repo(tmp_path, env)
    proc = run(["b4", "prep", "-n", "migfix", "-f", "master"], repo, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    git_ok(["am", "-q", *map(str, SERIES)], repo, env)
    (repo / "README.clean").write_text("a change that cannot matter for migration\n")
    git_ok(["add", "README.clean"], repo, env)
    git_ok(["commit", "-q", "-m", "docs: a clean change"], repo, env)
    cache = tmp_path / "index-cache"
    git_ok(["config", "b4.prep-perpatch-check-cmd",
            f"{MIGCHECK} patch-check --cache-dir {cache}"], repo, env)  # fmt: skip
    proc = run(["b4", "prep", "--check"], repo, env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    lines = [ln for ln in out.splitlines() if "migcheck: " in ln]
    assert any("hw/misc/foo.c:27: ERROR: MIG002 [vmstate-field-removed]" in ln for ln in lines)
    assert any("hw/misc/foo.c:20: ERROR: MIG006 [subsection-added-unconditional]" in ln
               for ln in lines)  # fmt: skip
    assert any("hw/misc/foo.c:47: WARNING: MIG030 [compat-property-missing]" in ln
               for ln in lines)  # fmt: skip
    assert len(lines) == 3, out
    # b4's own verdict: 2 failed (ERROR), 1 warning, the docs patch passed
    assert "Success: 1, Warning: 1, Error: 2" in out
    assert cache.is_dir()  # it really built and used the whole-tree index


HOOK = """#!/bin/sh
# migcheck as git's sendemail-validate hook: $1 is the patch file (git 2.41+ adds $2)
exec {migcheck} patch-check --no-index "$@"
"""


def test_git_send_email_validate_blocks_a_breaking_patch(
    tmp_path: Path, smtp_server: tuple[Sink, int]
) -> None:
    sink, port = smtp_server
    env = env_for(tmp_path)
    repo = author_repo(tmp_path, env)
    git_ok(["am", "-q", *map(str, SERIES)], repo, env)
    hook = repo / ".git" / "hooks" / "sendemail-validate"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(HOOK.format(migcheck=MIGCHECK))
    hook.chmod(0o755)
    out = tmp_path / "outgoing"
    git_ok(["format-patch", "-q", "--cover-letter", "-o", str(out), "HEAD~3"], repo, env)
    send = ["git", "send-email", "--validate", "--confirm=never", "--quiet",
            "--to=qemu-devel@example.org", "--smtp-server=127.0.0.1",
            f"--smtp-server-port={port}"]  # fmt: skip
    patches = sorted(out.glob("*.patch"))
    cover = patches[0].read_text().replace("*** SUBJECT HERE ***", "foo cleanups")
    patches[0].write_text(cover.replace("*** BLURB HERE ***", "Three changes."))
    # Patch 1 removes a migrated field: the hook fails and nothing is sent.
    proc = run([*send, *map(str, patches[:2])], repo, env)
    assert proc.returncode != 0
    assert "hw/misc/foo.c:27: ERROR: MIG002" in proc.stdout + proc.stderr
    assert "rejected by sendemail-validate" in proc.stdout + proc.stderr
    assert sink.got == []
    # The cover letter passes the hook silently, and patch 3 only warns: both are sent.
    proc = run([*send, str(patches[0]), str(patches[3])], repo, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "hw/misc/foo.c:47: WARNING: MIG030" in proc.stdout + proc.stderr
    assert len(sink.got) == 2


def check(args: list[str], repo: Path, env: dict[str, str],
          stdin: str | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    return subprocess.run([MIGCHECK, "patch-check", "--no-index", *args], cwd=repo, env=env,
                          input=stdin, capture_output=True, text=True, check=False,
                          timeout=300)  # fmt: skip


def test_patch_check_finds_the_base_of_a_patch_not_yet_committed(tmp_path: Path) -> None:
    """Patch 2 alone, on a branch that has patch 1 but not patch 2: the base is the newest
    commit whose files match the patch's index lines; stdin as b4 gives it."""
    env = env_for(tmp_path)
    repo = author_repo(tmp_path, env)
    git_ok(["am", "-q", str(SERIES[0])], repo, env)
    proc = check(["-v"], repo, env, stdin=SERIES[1].read_text())
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("hw/misc/foo.c:20: ERROR: MIG006"), proc.stdout
    assert "the newest commit with the files as the patch expects them" in proc.stderr
    assert "applied in memory" in proc.stderr


def test_patch_check_cover_letter_and_bad_input(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    repo = author_repo(tmp_path, env)
    cover = examples_dir() / "sample-series" / "0000-cover-letter.patch"
    proc = check([str(cover)], repo, env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    bad = tmp_path / "notes.txt"
    bad.write_text("just some text\n")
    proc = check([str(bad)], repo, env)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "not an mbox or patch e-mail" in proc.stderr and "Traceback" not in proc.stderr
    # A patch that does not apply where --base says: exit 2, which patch and why.
    proc = check(["--base", "HEAD", str(SERIES[1])], repo, env)
    assert proc.returncode == 2
    assert "patch 1/1 does not apply: [PATCH 2/3]" in proc.stderr


def test_warning_text_never_reads_as_error_to_b4() -> None:
    from bot.commands.patch_check import finding_line
    from bot.findings import Category, Finding, Severity

    f = Finding(rule="MIG030", name="compat-property-missing", severity=Severity.WARNING,
                category=Category.COMPAT_PROPERTY_MISSING, confidence="high",
                message="default of 'ERROR: x'\nchanged", fix_hint="add\tit", path="hw/a.c",
                line=3, side="new", entity="e")  # fmt: skip
    assert finding_line(f) == (
        "hw/a.c:3: WARNING: MIG030 [compat-property-missing] default of 'error: x' changed "
        "(hint: add it)"
    )
