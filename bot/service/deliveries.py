"""Webhook delivery dedupe: GitLab retries a delivery with the same id; the web app queues it
once. One small interface, two implementations chosen by the configuration:

- StateDeliveries: the state DB's `deliveries` table (one web process, or web replicas that
  share a PostgreSQL state DB); keys older than the TTL are pruned now and then.
- RedisDeliveries: a key per delivery with the TTL in the queue's Redis, shared by every web
  replica of a Redis queue; each first claim is also recorded in the state DB.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.config import QueueConfig
from bot.service.state import StateDB

DELIVERY_TTL = 7 * 24 * 3600.0  # seconds a delivery id is remembered (GitLab retries < 1 day)
PRUNE_EVERY = 1000  # claims between two prunes of the state DB's table


class DeliveryDedupe(Protocol):
    """Remembers which webhook deliveries were accepted."""

    def claim(self, key: str) -> bool:
        """True the first time `key` is seen (it is then remembered), False for a repeat."""
        ...

    def forget(self, key: str) -> None:
        """Undo claim(): the job could not be queued, let GitLab's retry in again."""
        ...


class StateDeliveries:
    """Delivery dedupe in the state DB."""

    def __init__(
        self, state: StateDB, *, ttl: float = DELIVERY_TTL, prune_every: int = PRUNE_EVERY
    ) -> None:
        self.state = state
        self.ttl = ttl
        self.prune_every = prune_every
        self._claims = 0

    def claim(self, key: str) -> bool:
        """See DeliveryDedupe.claim."""
        self._claims += 1
        if self._claims % self.prune_every == 0:  # keep the table bounded
            self.state.prune_deliveries(self.ttl)
        return self.state.claim_delivery(key)

    def forget(self, key: str) -> None:
        """See DeliveryDedupe.forget."""
        self.state.forget_delivery(key)


class RedisDeliveries:
    """Delivery dedupe in Redis (SET NX with a TTL), shared by every web replica."""

    def __init__(
        self, url: str, *, prefix: str, record: StateDeliveries, ttl: float = DELIVERY_TTL,
        password: str | None = None,
    ) -> None:
        import redis

        self._r: Any = redis.Redis.from_url(url, decode_responses=True, password=password)
        self.prefix = prefix + "delivery:"
        self.record = record
        self.ttl = ttl

    def claim(self, key: str) -> bool:
        """See DeliveryDedupe.claim."""
        first = bool(self._r.set(self.prefix + key, "1", nx=True, ex=int(self.ttl)))
        if first:
            self.record.claim(key)
        return first

    def forget(self, key: str) -> None:
        """See DeliveryDedupe.forget."""
        self.record.forget(key)
        self._r.delete(self.prefix + key)


def open_deliveries(cfg: QueueConfig, state: StateDB) -> DeliveryDedupe:
    """Redis dedupe when the queue is on Redis (queue.url), else the state DB's."""
    record = StateDeliveries(state)
    if cfg.url:
        return RedisDeliveries(cfg.url, prefix=cfg.prefix, record=record,
                               password=cfg.password())
    return record
