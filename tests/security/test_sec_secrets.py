"""Issue 10 item 1: no secret of the bot reaches a build, and nothing a build prints leaves
the artifact layer unredacted — not in the BuildError, not in the merge request note, not on
/status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fakegitlab import FakeGitLab
from gitlabfix import (
    ALICE,
    BOT,
    BOT_TOKEN,
    PID,
    SECRET,
    STATUS_TOKEN,
    ServerThread,
    reply_to,
    wait_until,
    write_config,
)
from secfix import PROFILE, hostile_series, leaked

from bot.artifacts.build import build_pair
from bot.artifacts.sandbox import Limits, probe
from bot.errors import BuildError

# Prints the whole environment, then fails with the interesting variables on error lines
# (on stderr: ninja's rule sends the step's stdout to gen.out).
GEN_ENV = r"""env > "$PWD/env.txt"
for v in MIGCHECK_GITLAB_TOKEN MIGCHECK_SMTP_PASSWORD MIGCHECK_WEBHOOK_SECRET PGPASSWORD \
         SSH_AUTH_SOCK MIGCHECK_TEST_GL_TOKEN MIGCHECK_TEST_HOOK_SECRET; do
  eval "val=\${$v}"
  echo "error: $v=<$val> token $val" >&2
done
exit 1
"""


def test_the_build_sees_no_secret_of_the_bot(tmp_path: Path,
                                             fake_secrets: dict[str, str]) -> None:
    repo, base, head = hostile_series(tmp_path, GEN_ENV)
    with pytest.raises(BuildError) as ei:
        build_pair(str(repo), base, head, tmp_path / "w", PROFILE, sandbox=probe(True),
                   limits=Limits())
    env_seen = (tmp_path / "w" / "build" / "env.txt").read_text()
    assert leaked(env_seen, fake_secrets) == [], env_seen
    assert "SSH_AUTH_SOCK" not in env_seen
    names = {line.split("=", 1)[0] for line in env_seen.splitlines() if "=" in line}
    # an allow-list: nothing of the bot's environment but these
    assert names <= {"PATH", "LANG", "TERM", "HOME", "TMPDIR", "PWD", "SHLVL", "OLDPWD", "_"}, names
    assert leaked(str(ei.value), fake_secrets) == []


def test_what_a_build_prints_is_redacted_before_it_leaves(tmp_path: Path,
                                                          fake_secrets: dict[str, str]) -> None:
    # the series itself carries the secrets (found elsewhere) and prints them on error lines
    gen = "".join(f"echo 'error: {k}={v} and token {v}' >&2\n"
                  for k, v in fake_secrets.items())
    gen += ("echo 'error: redis://:p@ss/w0rd@redis.internal:6379/0 "
            "CI_JOB_TOKEN=glcbt-64_AbCdEfGhIjKlMnOpQrSt.01.xyz' >&2\nexit 1\n")
    repo, base, head = hostile_series(tmp_path, gen)
    with pytest.raises(BuildError) as ei:
        build_pair(str(repo), base, head, tmp_path / "w", PROFILE, sandbox=probe(True),
                   limits=Limits())
    text = str(ei.value)
    assert "error: MIGCHECK_" in text  # the output is shown ...
    assert leaked(text, fake_secrets) == [], text  # ... but not the secrets in it
    for bad in ("p@ss/w0rd", "w0rd@", "glcbt-64_AbCd", ".01.xyz"):
        assert bad not in text, text


NET = 51


def test_no_secret_in_the_merge_request_note_or_status(tmp_path: Path, env: None,
                                                       fake_secrets: dict[str, str]) -> None:
    """End to end: `/check-migration --build` on a merge request whose build prints the
    environment; the bot's reply and /status carry the failure but none of its secrets."""
    from art_buildfix import git

    from bot.commands.serve import build_service
    from bot.config import load_config

    secrets = {**fake_secrets, "MIGCHECK_TEST_GL_TOKEN": BOT_TOKEN,
               "MIGCHECK_TEST_HOOK_SECRET": SECRET, "MIGCHECK_TEST_STATUS_TOKEN": STATUS_TOKEN}
    repo, base, head = hostile_series(tmp_path, GEN_ENV)
    git(repo, "branch", "-M", "master")
    git(repo, "branch", "env", head)
    git(repo, "reset", "-q", "--hard", base)
    fake = FakeGitLab()
    fake.add_user(BOT, "migcheck-bot", BOT_TOKEN)
    fake.add_user(ALICE, "alice", "alice-token")
    fake.add_project(PID, "qemu-project/qemu", str(repo), members={BOT: 30, ALICE: 30})
    fake.add_mr(PID, NET, author_id=ALICE, source="env")
    with fake.serve():
        cfg = write_config(tmp_path / "m.toml", fake.base_url, tmp_path / "state")
        svc = build_service(load_config(cfg))
        svc.start_workers(1)
        try:
            with ServerThread(svc.app) as server, httpx.Client(timeout=10) as client:
                payload = fake.user_note(PID, NET, ALICE, "/check-migration --build")
                r = client.post(f"{server.url}/webhooks/gitlab", json=payload,
                                headers={"X-Gitlab-Token": SECRET, "X-Gitlab-Event": "Note Hook"})
                assert r.status_code == 202, r.text
                note = int(payload["object_attributes"]["id"])
                answer = wait_until(lambda: reply_to(fake, PID, NET, note, BOT), 300)

                def settled() -> dict[str, Any] | None:
                    # with the token /status shows the run details (error texts) too
                    st: dict[str, Any] = client.get(f"{server.url}/status", headers={
                        "Accept": "application/json",
                        "Authorization": f"Bearer {STATUS_TOKEN}"}).json()
                    runs = st["recent_runs"]
                    return st if runs and all(x["finished_at"] for x in runs) else None

                status = wait_until(settled, 60)
                html = client.get(f"{server.url}/status",
                                  headers={"Authorization": f"Bearer {STATUS_TOKEN}"}).text
        finally:
            svc.close()
    assert "could not run this check" in answer and "error: MIGCHECK_" in answer, answer
    assert leaked(answer, secrets) == [], answer
    assert any("BuildError" in str(r.get("detail")) for r in status["recent_runs"]), status
    assert leaked(str(status), secrets) == [] and leaked(html, secrets) == []
    assert "SSH_AUTH_SOCK=</tmp" not in answer
