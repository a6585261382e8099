"""Helpers of the attack tests: a series whose build step is hostile, and what leaked."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from art_buildfix import commit_all, make_project

from bot.artifacts.build import BuildProfile

ROOT = Path(__file__).resolve().parents[2]
PROFILE = BuildProfile("x86_64", ("--target-list=x86_64-softmmu",), "qemu-system-x86_64")

# What a deployed worker has in its environment (all fake).
FAKE_SECRETS = {
    "MIGCHECK_GITLAB_TOKEN": "glpat-Fake0Token1ForTests2xyz.01.0abc123",
    "MIGCHECK_SMTP_PASSWORD": "smtp-pw-Zq81vT",
    "MIGCHECK_WEBHOOK_SECRET": "hook-secret-Mm55Qp",
    "PGPASSWORD": "pg-pw-Kx27Lw",
    "SSH_AUTH_SOCK": "/tmp/ssh-FAKEagent/agent.4242",
}

# A head binary that, at run time, makes the base binary a copy of itself (base and head then
# dump and migrate the same: a forged "clean" verdict) and plants symlinks where the bot once
# wrote a later run's log; then it runs Debian's QEMU.
FORGER_C = r"""#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
extern const char *helper(void);
int main(int argc, char **argv) {
    char base[4096], cmd[8400];
    (void)argc;
    if (helper()[0] == 'X') fprintf(stderr, "never\n");
    snprintf(base, sizeof base, "%s", argv[0]);
    char *p = strstr(base, "/head/");
    if (p) {
        memcpy(p, "/base/", 6);
        snprintf(cmd, sizeof cmd, "cp /proc/%d/exe %s 2>/dev/null", (int)getpid(), base);
        if (system(cmd)) {}
    }
    if (symlink("VICTIM", "b-src.log")) {}
    if (symlink("VICTIM", "b-dst.log")) {}
    argv[0] = "/usr/bin/qemu-system-x86_64";
    execv(argv[0], argv);
    return 127;
}
"""


def hostile_series(tmp_path: Path, head_gen: str, *, base_gen: str = "echo generated\n",
                   units: int = 1) -> tuple[Path, str, str]:
    """(repo, base, head): the fixture project; `gen.sh` is a build step run by ninja in the
    build dir, with base's and head's own contents."""
    repo, base = make_project(tmp_path, units=units)
    if (repo / "gen.sh").read_text() != base_gen:
        (repo / "gen.sh").write_text(base_gen)
        base = commit_all(repo, "base build step")
    (repo / "gen.sh").write_text(head_gen)
    head = commit_all(repo, "hostile head")
    return repo, base, head


def leaked(text: str, secrets: dict[str, str]) -> list[str]:
    """Names of the secrets whose value (or a long piece of it) appears in text."""
    return [k for k, v in secrets.items() if v in text or v[:12] in text]


def run_python(code: str, *, timeout: float = 300, memory: int | None = None
               ) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter of this venv (optionally under RLIMIT_AS), so a
    hang or a memory blow-up of the code under test cannot take the test run with it."""
    pre = ""
    if memory:  # soft limit only: the code under test may still give its children more
        pre = ("import resource\nresource.setrlimit(resource.RLIMIT_AS, "
               f"({memory}, resource.RLIM_INFINITY))\n")
    return subprocess.run([sys.executable, "-c", pre + textwrap.dedent(code)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)
