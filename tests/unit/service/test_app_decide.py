"""Which webhook events become jobs (no HTTP, no API)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import parse_config
from bot.service.app import decide, sign, verify_signature, verify_token
from bot.service.commands import find_command
from bot.service.state import StateDB
from bot.service.worker import CommandArgs, Refused, parse_command_args

CFG = parse_config({"gitlab": {"projects": ["g/p"], "bot_username": "bot"}})


def mr(action: str, head: str = "abc", pid: int = 1, path: str = "g/p") -> dict[str, object]:
    return {"object_kind": "merge_request", "project": {"id": pid, "path_with_namespace": path},
            "object_attributes": {"iid": 3, "action": action, "state": "opened",
                                  "target_project_id": pid, "last_commit": {"id": head}}}


def test_merge_request_actions(tmp_path: Path) -> None:
    st = StateDB(tmp_path / "s.sqlite3")
    assert decide(CFG, st, "Merge Request Hook", mr("open")).kind == "review"
    assert decide(CFG, st, "Merge Request Hook", mr("approved")).ignored
    assert decide(CFG, st, "Merge Request Hook", mr("open", path="x/y", pid=9)).ignored
    st.set_enqueued_head("1!3", "abc")
    assert decide(CFG, st, "Merge Request Hook", mr("update")).ignored
    d = decide(CFG, st, "Merge Request Hook", mr("update", head="def"))
    assert d.kind == "review" and d.dedupe_key == "review:1!3:def"


@pytest.mark.parametrize(
    ("text", "args"),
    [("/check-migration", ""), ("hi\n  /check-migration --build --machines pc-q35-10.1\n",
                                "--build --machines pc-q35-10.1"),
     ("@migcheck-bot check-migration --build", "--build")],
)
def test_command_lines(text: str, args: str) -> None:
    assert find_command(text, "check-migration") == args


def test_not_commands() -> None:
    assert find_command("please run /check-migration", "check-migration") is None
    assert find_command("/check-migrations", "check-migration") is None
    assert find_command("@someone check-migration", "check-migration", "migcheck-bot") is None
    assert find_command("@migcheck-bot check-migration", "check-migration", "migcheck-bot") == ""


@pytest.mark.parametrize(
    "text",
    [
        "```\n/check-migration --build\n```",
        "~~~~sh\n/check-migration\n~~~~",
        "> /check-migration --build",
        "   > quoted\n> /check-migration",
        ">>>\nwhat alice wrote:\n/check-migration --build\n>>>",
        "    /check-migration",
        "\t/check-migration",
        "<!--\n/check-migration\n-->",
        "````\n```\n/check-migration\n```\n````",
    ],
)
def test_commands_in_code_or_quotes_do_not_count(text: str) -> None:
    assert find_command(text, "check-migration") is None
    assert find_command(text + "\n\n/check-migration --build", "check-migration") == "--build"


def test_command_args() -> None:
    assert parse_command_args("") == CommandArgs()
    assert parse_command_args("--build --machines=a,b") == CommandArgs(True, ("a", "b"))
    assert parse_command_args("--machines a") == CommandArgs(True, ("a",))
    with pytest.raises(Refused, match="unknown argument"):
        parse_command_args("--now")


def test_token_and_signature() -> None:
    assert verify_token("x", "x") and not verify_token(None, "x") and not verify_token("y", "x")
    body = b"{}"
    sig = sign("whsec_YWJj", "id1", "100", body)
    h = {"webhook-id": "id1", "webhook-timestamp": "100", "webhook-signature": sig}
    assert verify_signature(h, body, "whsec_YWJj", tolerance=300, now=150)
    assert not verify_signature(h, body, "whsec_YWJj", tolerance=300, now=1000)
    assert not verify_signature(h, b"{ }", "whsec_YWJj", tolerance=300, now=150)
