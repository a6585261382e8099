"""Webhook delivery dedupe: one set of semantic tests for the state DB (SQLite, PostgreSQL)
and Redis implementations."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import QueueConfig
from bot.service.deliveries import DeliveryDedupe, RedisDeliveries, StateDeliveries, open_deliveries
from bot.service.state import StateDB


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
def dedupe(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DeliveryDedupe]:
    target = (
        request.getfixturevalue("postgres_url")
        if request.param == "postgresql"
        else str(tmp_path / "state.sqlite3")
    )
    state = StateDB(target)
    if request.param == "redis":
        cfg = QueueConfig(url=request.getfixturevalue("redis_server"),
                          prefix=f"t:{secrets.token_hex(4)}:")  # fmt: skip
        d = open_deliveries(cfg, state)
        assert isinstance(d, RedisDeliveries)
        yield d
        keys = list(d._r.scan_iter(match=cfg.prefix + "*"))
        if keys:
            d._r.delete(*keys)
    else:
        d = open_deliveries(QueueConfig(), state)
        assert isinstance(d, StateDeliveries)
        yield d
    state.close()


def test_first_claim_wins_and_forget_lets_a_retry_in(dedupe: DeliveryDedupe) -> None:
    assert dedupe.claim("d1")
    assert not dedupe.claim("d1")
    assert dedupe.claim("d2")
    dedupe.forget("d1")
    assert dedupe.claim("d1")
    assert not dedupe.claim("d1") and not dedupe.claim("d2")


def test_two_replicas_on_one_redis_share_the_dedupe(redis_server: str, tmp_path: Path) -> None:
    cfg = QueueConfig(url=redis_server, prefix=f"t:{secrets.token_hex(4)}:")
    a = open_deliveries(cfg, StateDB(str(tmp_path / "a.sqlite3")))
    b = open_deliveries(cfg, StateDB(str(tmp_path / "b.sqlite3")))
    assert a.claim("x") and not b.claim("x")
    b.forget("x")
    assert a.claim("x")


def test_redis_claims_are_recorded_in_the_state_db(redis_server: str, tmp_path: Path) -> None:
    state = StateDB(str(tmp_path / "s.sqlite3"))
    d = open_deliveries(QueueConfig(url=redis_server, prefix=f"t:{secrets.token_hex(4)}:"), state)
    assert d.claim("y")
    assert not state.claim_delivery("y")  # the first claim went to the state DB too


def test_state_dedupe_prunes_old_keys(tmp_path: Path) -> None:
    clock = Clock()
    state = StateDB(str(tmp_path / "s.sqlite3"), clock=clock)
    d = StateDeliveries(state, ttl=100, prune_every=3)
    assert d.claim("old")
    clock.t += 500
    assert d.claim("new")
    assert not d.claim("new")  # third claim: prunes keys older than the TTL
    assert d.claim("old")  # forgotten by the prune, so a new delivery again
