"""[mail] settings from the TOML config, and the store's dedupe / pending bookkeeping."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import parse_config
from bot.errors import ConfigError
from bot.mail.config import mail_settings
from bot.mail.store import MailStore


def test_mail_settings_from_config(tmp_path: Path) -> None:
    cfg = parse_config(
        {
            "service": {"state_dir": str(tmp_path)},
            "mail": {"enabled": True, "inboxes": ["/x"], "rate_limit_per_hour": 5,
                     "opt_out": ["a@b"], "smtp_password_env": "PW"},
        }
    )  # fmt: skip
    s = mail_settings(cfg)
    assert s.enabled and s.inboxes == ("/x",) and s.rate_limit_per_hour == 5
    assert s.dry_run and s.outbox == str(tmp_path / "outbox")
    assert s.store == str(tmp_path / "mail.sqlite3")
    with pytest.raises(ConfigError, match=r"mail\.inboxs: unknown key"):
        mail_settings(parse_config({"mail": {"inboxs": []}}))
    with pytest.raises(ConfigError, match=r"mail\.min_severity"):
        mail_settings(parse_config({"mail": {"min_severity": "fatal"}}))


def test_store_dedupe_pending_and_rate(tmp_path: Path) -> None:
    t = [1000.0]
    st = MailStore(tmp_path / "s.sqlite3", clock=lambda: t[0])
    st.record_reply("r1@bot", "p1@x", "s1", ["a@x"], b"raw", ["fp1", "fp2"])
    assert st.fingerprints_on(["p1@x", "p2@x"]) == {"p1@x": frozenset({"fp1", "fp2"})}
    assert st.fingerprints_in_series("s1") == {"fp1", "fp2"} and not st.fingerprints_in_series("s2")
    assert [r.reply_msgid for r in st.pending_replies()] == ["r1@bot"]
    st.mark_sent("r1@bot")
    assert st.pending_replies() == [] and st.sent_since(0) == 1
    t[0] += 3601
    assert st.sent_since(t[0] - 3600) == 0
    st.close()
    again = MailStore(tmp_path / "s.sqlite3")
    assert again.is_own_reply("r1@bot") and again.schema_version == 2
