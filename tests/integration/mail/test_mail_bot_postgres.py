"""The mail bot end to end with its store in PostgreSQL: the same scenarios as test_mail_bot.py
(threaded replies once, a crash in the middle loses and repeats nothing, rate limit), run
against a fresh PostgreSQL database instead of the SQLite file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from smtpfix import Sink
from test_mail_bot import Env, make_env
from test_mail_bot import test_rate_limit_and_opt_out as test_rate_limit_and_opt_out_pg
from test_mail_bot import (
    test_replies_thread_under_each_patch_once as test_replies_thread_under_each_patch_once_pg,
)
from test_mail_bot import (
    test_restart_in_the_middle_loses_and_repeats_nothing as test_restart_in_the_middle_pg,
)

__all__ = [
    "test_rate_limit_and_opt_out_pg",
    "test_replies_thread_under_each_patch_once_pg",
    "test_restart_in_the_middle_pg",
]


@pytest.fixture
def env(tmp_path: Path, smtp_server: tuple[Sink, int], postgres_url: str) -> Env:
    e = make_env(tmp_path, smtp_server)
    e.settings = dataclasses.replace(e.settings, store=postgres_url)
    return e


def test_the_store_really_is_postgres(env: Env) -> None:
    st = env.store()
    assert st.path.startswith("postgresql://") and st._db.dialect == "postgresql"
    st.close()
