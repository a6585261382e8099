"""Reply text, on real mail flows: prose at 72 columns and code at 80 where the code
allows; one quote per hunk with all its findings under it; RFC 2047 by the email library's
policy (encoded words of at most 75 characters); a real zone in Date; the same severity words
as the CLI (a note stays a note, with its "note only" text); on a new version, one short line
for what an earlier version's reply already said."""

from __future__ import annotations

import email.utils
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pygit2
import pytest
from mailenv import MailEnv, mail_env
from mailenv import run_mail_cli as _cli
from mailfix import DATE0, make_mail, mbox, sample_bodies, series_mails
from notefix import BAR_C, DROP_LEVEL

# Two fields removed in one hunk: two findings, one quote.
TWO_IN_ONE_HUNK = (
    "hw/misc/foo: drop ctrl and scratch",
    """Both unused.

Signed-off-by: Ada Example <ada@example.org>
---
diff --git a/hw/misc/foo.c b/hw/misc/foo.c
--- a/hw/misc/foo.c
+++ b/hw/misc/foo.c
@@ -23,8 +23,6 @@ static const VMStateDescription vmstate_foo = {
     .minimum_version_id = 1,
     .fields = (const VMStateField[]) {
         VMSTATE_PCI_DEVICE(parent_obj, FooState),
-        VMSTATE_UINT32(ctrl, FooState),
-        VMSTATE_UINT32(scratch, FooState),
         VMSTATE_UINT32(status, FooState),
         VMSTATE_END_OF_LIST()
     }
""",
)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[MailEnv]:
    with mail_env(tmp_path) as e:
        yield e


def _check_widths(body: str) -> None:
    for ln in body.splitlines():
        if ln.startswith(">") or ln == "-- ":
            continue  # quotes are the author's lines, as they are
        limit = 80 if ln.startswith("    ") else 72
        assert len(ln) <= limit, ln


def test_one_quote_per_hunk_with_every_finding_under_it(env: MailEnv) -> None:
    env.add(*series_mails("h", cover=False, bodies=[TWO_IN_ONE_HUNK]))
    env.poll()
    (r,) = env.got
    body = r.body
    assert body.count("> diff --git a/hw/misc/foo.c") == 1
    assert body.count("> @@ -23,8 +23,6 @@") == 1
    found = re.findall(r"^MIG002 vmstate-field-removed \(error\)", body, re.M)
    assert len(found) == 2 and "'ctrl'" in body and "'scratch'" in body
    lines = body.splitlines()
    quote_end = max(i for i, ln in enumerate(lines) if ln.startswith(">"))
    first_finding = next(i for i, ln in enumerate(lines) if ln.startswith("MIG002"))
    assert quote_end < first_finding  # both findings come after the one quote
    assert body.count("Why this breaks migration") == 1  # said once per rule in a reply
    assert body.count("Fix draft:") == 2  # each field its own draft
    _check_widths(body)


def test_headers_encode_by_policy_and_date_has_a_real_zone(env: MailEnv) -> None:
    title, body = sample_bodies()[0]
    subject = f"[PATCH] {title} — Grüße aus Köln, ça marche très bien ünd öfter é" + "é" * 40
    env.add(make_mail("", body, msgid="u8@x", subject_raw=subject.encode(),
                      author="Jürgen Ölmann <jo@example.org>"))  # fmt: skip
    env.poll()
    (r,) = env.got
    head = r.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    words = re.findall(r"=\?[^?]+\?[bBqQ]\?[^?]*\?=", head)
    assert words and all(len(w) <= 75 for w in words)
    assert all(len(ln) <= 78 for ln in head.splitlines() if not ln.startswith(
        ("Message-ID", "In-Reply-To", "References")))  # fmt: skip
    assert r.msg["Subject"] == "Re: " + subject
    assert r.msg["To"] == "Jürgen Ölmann <jo@example.org>"
    date = str(r.msg["Date"])
    assert not date.endswith("-0000") and re.search(r"[+-]\d{4}$", date)
    assert email.utils.parsedate_to_datetime(date).timestamp() == env.clock.t
    _check_widths(r.body)


def test_fix_drafts_fit_80_columns(env: MailEnv) -> None:
    env.add(*series_mails("v1"))
    env.poll()
    assert len(env.got) == 3
    for r in env.got:
        _check_widths(r.body)
        assert "Fix draft:" in r.body


def test_new_version_says_in_one_line_what_the_earlier_one_was_told(env: MailEnv) -> None:
    env.add(*series_mails("v1"))
    env.poll()
    v1 = {str(r.msg["In-Reply-To"]): str(r.msg["Message-ID"]) for r in env.got}
    env.add(*series_mails("v2", prefix="PATCH v2", date=DATE0 + 3600,
                          reply_to="v1.0@example.org"))  # fmt: skip
    env.clock.t += 3600
    env.poll()
    new = {str(r.msg["In-Reply-To"]): r for r in env.got[3:]}
    assert set(new) == {"<v2.1@example.org>", "<v2.2@example.org>", "<v2.3@example.org>"}
    for i in (1, 2, 3):
        body = new[f"<v2.{i}@example.org>"].body
        flat = " ".join(body.split())
        assert "reported on an earlier version" in flat
        assert v1[f"<v1.{i}@example.org>"] in flat  # the Message-ID of v1's reply
        assert "Why this breaks migration" not in body and "Fix draft" not in body
        assert not any(ln.startswith(">") for ln in body.splitlines())
    env.poll()
    assert len(env.got) == 6


def test_a_note_of_the_cli_is_a_note_in_the_mail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # both default to it
    with mail_env(tmp_path) as env:
        env.commit("hw/misc/bar.c", BAR_C)
        base = str(pygit2.Repository(env.repo).head.target)
        box = tmp_path / "s.mbox"
        box.write_bytes(mbox(series_mails("n", cover=False, bodies=[DROP_LEVEL])))
        out = subprocess.run([sys.executable, "-m", "bot", "check", "--repo", env.repo,
                              "--base", base, "--format", "json", str(box)],
                             capture_output=True, text=True, check=True)  # fmt: skip
        (cli,) = json.loads(out.stdout)["findings"]
        assert (cli["rule"], cli["severity"]) == ("MIG002", "note")
        # `mail review` without --cache-dir or --config: the same views, the same verdict
        assert _cli(["mail", "review", str(box), "--repo", env.repo, "--base", base]) == 0
        printed = capsys.readouterr().out
        assert "(error)" not in printed and "0 replies" in printed  # a note is below warning
        # with notes mailed, it reads as the CLI says it
        cfg = tmp_path / "m.toml"
        cfg.write_text(f'[service]\nstate_dir = "{tmp_path / "st"}"\n[mail]\n'
                       'min_severity = "note"\n')  # fmt: skip
        assert _cli(["mail", "review", str(box), "--repo", env.repo, "--base", base,
                     "--config", str(cfg)]) == 0  # fmt: skip
        flat = " ".join(capsys.readouterr().out.split())
        assert "MIG002 vmstate-field-removed (note)" in flat and "(note only:" in flat


def test_a_base_given_as_an_expression_is_named_by_its_commit_in_the_reply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with mail_env(tmp_path) as env:
        env.commit("hw/misc/bar.c", BAR_C)
        env.commit("README", "unrelated\n")  # HEAD~1 is the base the series was made on
        base = str(pygit2.Repository(env.repo).revparse_single("HEAD~1").id)
        box = tmp_path / "s.mbox"
        box.write_bytes(mbox(series_mails("n", cover=False, bodies=[DROP_LEVEL])))
        out = tmp_path / "out"
        assert _cli(["mail", "review", str(box), "--repo", env.repo, "--base", "HEAD~1",
                     "--all", "--outbox", str(out)]) == 0  # fmt: skip
        (reply,) = out.glob("*.eml")
        flat = " ".join(reply.read_text().split())
        assert f"onto {base[:12]} (the base given on the command line, HEAD~1)" in flat
