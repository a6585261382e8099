"""Issue 14 item 2: a command finds its series through In-Reply-To and References (a reply to
the bot's own mail works); the full option syntax, as on GitLab; an unknown option or an
unknown series gets an answer to the sender only, never silence and never the list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mailenv import MAINT, MailEnv, command, flat, mail_env
from mailfix import CLEAN_PATCH, series_mails

from bot.mail.commands import find_command


@pytest.fixture
def env(tmp_path: Path) -> Iterator[MailEnv]:
    with mail_env(tmp_path) as e:
        e.add(*series_mails("v1"))
        e.poll()
        assert len(e.got) == 3  # the automatic replies to 1/3, 2/3, 3/3
        yield e


def test_reply_to_the_bots_own_mail_runs_the_command(env: MailEnv) -> None:
    bot_reply = env.replies_to("v1.2@example.org")[0].msg
    refs = tuple(str(bot_reply["References"]).strip("<>").split("> <"))
    own = str(bot_reply["Message-ID"]).strip("<>")
    env.add(command("c1@x", own, "/check-migration", refs=(*refs, own)))
    env.poll()
    (r,) = env.replies_to("c1@x")
    body = flat(r.body)
    assert "could not find" not in body
    assert "MIG006" in body and "for [PATCH 0/3] sample series" in body
    assert "qemu-devel@nongnu.org" in r.rcpt_tos  # an answer about a series goes public


def test_reply_to_the_bots_mail_without_references_is_found_through_the_store(
    env: MailEnv,
) -> None:
    own = str(env.replies_to("v1.1@example.org")[0].msg["Message-ID"]).strip("<>")
    env.add(command("c2@x", own, "/check-migration", refs=()))
    env.poll()
    (r,) = env.replies_to("c2@x")
    assert "MIG002" in r.body and "could not find" not in flat(r.body)


def test_references_are_used_when_in_reply_to_is_unknown(env: MailEnv) -> None:
    env.add(command("c3@x", "someone-else@x", "/check-migration",
                    refs=("v1.0@example.org", "v1.3@example.org", "someone-else@x")))  # fmt: skip
    env.poll()
    (r,) = env.replies_to("c3@x")
    assert "MIG030" in r.body


def test_machines_with_dots_are_a_command_and_need_a_build(env: MailEnv) -> None:
    env.add(command("c4@x", "v1.0@example.org", "/check-migration --machines pc-q35-10.2"))
    env.poll()
    (r,) = env.replies_to("c4@x")
    assert r.rcpt_tos == ["maint@example.org"]  # refusals go to the sender only
    assert "builds are not started by mail here" in flat(r.body)


def test_unknown_option_is_answered_with_the_usage(env: MailEnv) -> None:
    env.add(command("c5@x", "v1.0@example.org", "/check-migration --bulid"))
    env.poll()
    (r,) = env.replies_to("c5@x")
    assert r.rcpt_tos == ["maint@example.org"] and r.msg["Cc"] is None
    body = flat(r.body)
    assert "unknown argument --bulid" in body
    assert "Usage: /check-migration [--build] [--machines M1,M2,...]" in body
    st = env.store()
    assert st.command_status("c5@x") == "answered"


def test_no_series_is_answered_to_the_sender_only(env: MailEnv) -> None:
    env.add(command("c6@x", "nowhere@x", "/check-migration", refs=("nowhere@x",)))
    env.poll()
    (r,) = env.replies_to("c6@x")
    assert r.rcpt_tos == ["maint@example.org"] and r.msg["Cc"] is None
    assert "could not find a patch series" in flat(r.body)


def test_the_bots_own_texts_are_not_commands(env: MailEnv) -> None:
    env.add(*series_mails("clean", cover=False, bodies=[CLEAN_PATCH]))
    env.add(command("c7@x", "clean.1@example.org", "/check-migration"))
    env.poll()
    (r,) = env.replies_to("c7@x")
    assert find_command(r.body) is None  # its intro and footer never start a command line
    assert r.msg["To"] == MAINT


def test_option_syntax() -> None:
    c = find_command("/check-migration --machines=pc-q35-10.2,pc-i440fx-9.0 --build\n")
    assert c is not None and c.build and c.machines == ("pc-q35-10.2", "pc-i440fx-9.0")
    c = find_command("hello\n  /check-migration --machines pc-q35-10.2  \n")
    assert c is not None and c.build and c.machines == ("pc-q35-10.2",) and not c.error
    bad = find_command("/check-migration --machines /abs/path\n")
    assert bad is not None and "/abs/path is not a machine type name" in bad.error
    assert find_command("/check-migration: not a command\n") is None
    assert find_command("/check-migration --machines\n").error == "--machines needs a value"  # type: ignore[union-attr]
