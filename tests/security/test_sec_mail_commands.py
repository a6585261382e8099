"""Issue 10 item 7: a forged `From:` must not start a build; replies go to a capped set of
recipients; commands and builds are limited per sender; whatever a series or a build wrote
is redacted and capped before it is mailed.

Real parts throughout: a public-inbox archive and the sample QEMU-like repo made here, the
mail bot's poll, an aiosmtpd server on loopback, and DKIM signatures made by dkimpy with an
RSA key this test generates, verified by dkimpy against TXT records served by a lookup
function passed as its `dnsfunc` (no network; the verification is dkimpy's own).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for sub in ("unit/mail", "integration/mail"):
    p = str(HERE.parent / sub)
    if p not in sys.path:
        sys.path.insert(0, p)

import pygit2  # noqa: E402
from dkimfix import Key, make_key, sign  # noqa: E402
from mailenv import MailEnv, command, mail_env  # noqa: E402
from mailfix import BROKEN_PATCH, DATE0, make_mail, series_mails  # noqa: E402

SECRETS = {
    "MIGCHECK_SMTP_PASSWORD": "smtp-pw-Zq81vT",
    "MIGCHECK_GITLAB_TOKEN": "glpat-Fake0Token1ForTests2xyz",
}
# A configure that prints the environment and fails with secrets in its first error line:
# from its environment (the sandbox clears it, bot/artifacts/sandbox.py) and as literals (a
# series may know or guess them), then floods the line.
LEAKY_CONFIGURE = (
    b"#!/bin/sh\nenv\necho \"error: leaked $MIGCHECK_SMTP_PASSWORD$MIGCHECK_GITLAB_TOKEN "
    + " ".join(SECRETS.values()).encode()
    + b"\"\nprintf 'x%.0s' $(seq 1 3000)\nexit 1\n"
)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Key]:
    d = tmp_path_factory.mktemp("dkim")
    return {"maint": make_key(d, "maint"), "evil": make_key(d, "evil")}


@pytest.fixture
def env(tmp_path: Path, keys: dict[str, Key], monkeypatch: pytest.MonkeyPatch) -> Iterator[MailEnv]:
    for k, v in SECRETS.items():
        monkeypatch.setenv(k, v)
    with mail_env(tmp_path, build_senders=("maint@example.org",)) as e:
        e.dns.publish("s1", "example.org", keys["maint"])
        e.dns.publish("s1", "evil.example", keys["evil"])
        e.commit("configure", LEAKY_CONFIGURE, pygit2.enums.FileMode.BLOB_EXECUTABLE)
        e.add(*series_mails("v1"))
        yield e


def _built(env: MailEnv, msgid: str) -> bool:
    st = env.store()
    try:
        rows = st._all("SELECT build FROM commands WHERE msgid=?", (msgid,))
    finally:
        st.close()
    return bool(rows and rows[0][0])


def _answer(env: MailEnv, msgid: str) -> str:
    """The refusal's text on one line (a refusal goes to the sender only)."""
    (r,) = env.replies_to(msgid)
    assert r.rcpt_tos == ["maint@example.org"] and r.msg["Cc"] is None
    return " ".join(r.body.split())


def test_forged_from_without_signature_starts_no_build(env: MailEnv) -> None:
    env.add(command("c1@x", "v1.0@example.org", "/check-migration --build"))
    env.poll()
    assert not _built(env, "c1@x")
    body = _answer(env, "c1@x")
    assert "did not run" in body and "no DKIM signature" in body
    assert "smtp-pw" not in body


def test_signature_by_the_attackers_domain_starts_no_build(
    env: MailEnv, keys: dict[str, Key]
) -> None:
    raw = command("c2@x", "v1.0@example.org", "/check-migration --build")
    env.add(sign(raw, keys["evil"], "evil.example"))  # valid, but not the sender's domain
    env.poll()
    assert not _built(env, "c2@x")
    assert "is by evil.example, not by example.org" in _answer(env, "c2@x")


def test_signature_with_the_attackers_key_for_the_senders_domain_fails(
    env: MailEnv, keys: dict[str, Key]
) -> None:
    raw = command("c3@x", "v1.0@example.org", "/check-migration --build")
    env.add(sign(raw, keys["evil"], "example.org"))  # claims example.org, key does not match
    env.poll()
    assert not _built(env, "c3@x")
    assert "does not verify" in _answer(env, "c3@x")
    assert "s1._domainkey.example.org." in env.dns.asked  # really looked up and checked


def test_signed_mail_retargeted_by_an_unsigned_header_starts_no_build(
    env: MailEnv, keys: dict[str, Key]
) -> None:
    raw = command("c4@x", "v1.0@example.org", "/check-migration --build")
    signed = sign(raw, keys["maint"], "example.org", headers=("From", "Subject", "Message-ID"))
    env.add(signed)  # In-Reply-To (which series) is not covered by the signature
    tampered = sign(command("c5@x", "v1.0@example.org", "/check-migration --build"),
                    keys["maint"], "example.org")  # fmt: skip
    env.add(b"In-Reply-To: <v1.2@example.org>\n" + tampered)  # a second, unsigned copy on top
    env.poll()
    assert not _built(env, "c4@x") and not _built(env, "c5@x")
    assert "does not cover the in-reply-to header" in _answer(env, "c4@x")
    assert "more than one in-reply-to" in _answer(env, "c5@x")


def test_verified_sender_builds_and_the_builds_output_is_redacted_and_capped(
    env: MailEnv, keys: dict[str, Key]
) -> None:
    env.add(sign(command("ok@x", "v1.0@example.org", "/check-migration --build"),
                 keys["maint"], "example.org"))  # fmt: skip
    env.poll()
    assert _built(env, "ok@x")
    (r,) = env.replies_to("ok@x")
    body = " ".join(r.body.split())
    assert "The review failed: configure of base" in body  # the build really ran
    assert "error: leaked [REDACTED] [REDACTED]" in body
    for v in SECRETS.values():
        assert v not in r.data.decode("utf-8", "replace")
    assert len(body) < 6000 and "characters cut" in body


def test_builds_are_limited_per_sender(env: MailEnv, keys: dict[str, Key]) -> None:
    import dataclasses

    env.settings = dataclasses.replace(env.settings, builds_per_sender_per_day=1)
    for i in range(2):
        env.add(sign(command(f"b{i}@x", "v1.0@example.org", "/check-migration --build",
                             date=DATE0 + 500 + i), keys["maint"], "example.org"))  # fmt: skip
    env.poll()
    assert _built(env, "b0@x") and not _built(env, "b1@x")
    assert "already asked for 1 builds" in _answer(env, "b1@x")


def test_commands_are_limited_per_sender_and_refusals_count(env: MailEnv) -> None:
    import dataclasses

    env.settings = dataclasses.replace(env.settings, commands_per_sender_per_hour=3)
    for i in range(5):  # forged builds are refused with a reply: that reply counts too
        env.add(command(f"n{i}@x", "v1.0@example.org", "/check-migration --build",
                        date=DATE0 + 500 + i))  # fmt: skip
    r = env.poll()
    answered = [i for i in range(5) if env.replies_to(f"n{i}@x")]
    assert answered == [0, 1, 2] and r.commands == 3
    env.clock.t += 3601  # an hour later the sender may ask again
    env.add(command("n9@x", "v1.0@example.org", "/check-migration", date=DATE0 + 4200))
    env.poll()
    assert env.replies_to("n9@x")


def test_reply_recipients_are_capped(tmp_path: Path) -> None:
    many = ", ".join(f"Dev {i} <dev{i}@example.org>" for i in range(500))
    with mail_env(tmp_path, max_cc=4) as env:
        env.add(*series_mails("big", cc=many))
        env.poll()
        assert len(env.got) == 3
        for r in env.got:
            assert len(r.rcpt_tos) == 1 + 1 + 4  # author, the list, 4 of the original Cc
            assert r.rcpt_tos[:2] == ["ada@example.org", "qemu-devel@nongnu.org"]
            assert len(r.msg["Cc"].addresses) == 5


def test_text_from_a_series_is_redacted_in_replies(
    env: MailEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = SECRETS["MIGCHECK_SMTP_PASSWORD"]
    # does not apply: the reply names the patch by its subject, in Subject: and in the body
    env.add(make_mail(f"[PATCH] x: {secret} token=abc123def CI_JOB_TOKEN=cjt456ghi",
                      BROKEN_PATCH[1], msgid="leak@x", date=DATE0 + 50))  # fmt: skip
    env.clock.t += 700
    env.poll()
    (r,) = env.replies_to("leak@x")
    raw = r.data.decode("utf-8", "replace")
    assert secret not in raw and "abc123def" not in raw and "cjt456ghi" not in raw
    assert "[REDACTED]" in r.msg["Subject"] and "does not apply" in r.body
    assert "[REDACTED]" in r.body
