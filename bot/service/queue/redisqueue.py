"""The distributed job queue (JobQueue in bot/service/queue) on Redis: every transition is
one Lua script, so any number of workers on any machines share it safely."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from bot.config import QueueConfig
from bot.service.queue import STATES, EnqueueResult, Job, JobInfo, Lease, backoff

_LUA_ENQUEUE = """
local p = ARGV[1]
local slot, mr, kind, dd, payload, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local d = redis.call('GET', p..'dedupe:'..dd)
if d then
  local st = redis.call('HGET', p..'job:'..d, 'state')
  if st == 'queued' or st == 'leased' then return {'duplicate', d} end
end
local q = redis.call('GET', p..'slot:'..slot)
if q and redis.call('HGET', p..'job:'..q, 'state') == 'queued' then
  local old = redis.call('HGET', p..'job:'..q, 'dedupe_key')
  if redis.call('GET', p..'dedupe:'..old) == q then redis.call('DEL', p..'dedupe:'..old) end
  redis.call('HSET', p..'job:'..q, 'payload', payload, 'dedupe_key', dd, 'updated_at', now)
  redis.call('SET', p..'dedupe:'..dd, q)
  return {'superseded', q}
end
local id = tostring(redis.call('INCR', p..'seq'))
redis.call('HSET', p..'job:'..id, 'id', id, 'slot', slot, 'mr_key', mr, 'kind', kind,
  'dedupe_key', dd, 'payload', payload, 'state', 'queued', 'attempts', 0,
  'created_at', now, 'updated_at', now, 'last_error', '', 'token', '')
redis.call('ZADD', p..'ready', now, id)
redis.call('SET', p..'slot:'..slot, id)
redis.call('SET', p..'dedupe:'..dd, id)
redis.call('LPUSH', p..'recent', id)
redis.call('LTRIM', p..'recent', 0, 499)
return {'queued', id}
"""

_LUA_LEASE = """
local p, now, vt, token, worker = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]),
  ARGV[4], ARGV[5]
local expired = redis.call('ZRANGEBYSCORE', p..'leased', '-inf', now)
for _, id in ipairs(expired) do
  local jk = p..'job:'..id
  redis.call('ZREM', p..'leased', id)
  local mr = redis.call('HGET', jk, 'mr_key')
  if redis.call('GET', p..'active:'..mr) == id then redis.call('DEL', p..'active:'..mr) end
  -- re-queued and counted: the next worker to lease it parks it once it expired too often
  local ex = redis.call('HINCRBY', jk, 'expired', 1)
  redis.call('HSET', jk, 'state', 'queued', 'token', '', 'updated_at', now,
    'last_error', 'lease expired '..ex..' times (worker killed or hung)')
  redis.call('ZADD', p..'ready', now, id)
  local slot = redis.call('HGET', jk, 'slot')
  if not redis.call('GET', p..'slot:'..slot) then redis.call('SET', p..'slot:'..slot, id) end
end
local cands = redis.call('ZRANGEBYSCORE', p..'ready', '-inf', now, 'LIMIT', 0, 200)
for _, id in ipairs(cands) do
  local jk = p..'job:'..id
  local mr = redis.call('HGET', jk, 'mr_key')
  if redis.call('EXISTS', p..'active:'..mr) == 0 then
    redis.call('ZREM', p..'ready', id)
    redis.call('ZADD', p..'leased', now + vt, id)
    redis.call('SET', p..'active:'..mr, id)
    redis.call('HINCRBY', jk, 'attempts', 1)
    redis.call('HSET', jk, 'state', 'leased', 'token', token, 'worker', worker,
      'lease_until', now + vt, 'updated_at', now)
    local slot = redis.call('HGET', jk, 'slot')
    if redis.call('GET', p..'slot:'..slot) == id then redis.call('DEL', p..'slot:'..slot) end
    return redis.call('HGETALL', jk)
  end
end
return false
"""

_LUA_FINISH = """
-- ARGV: p, id, token, now, mode(ack|retry|extend), result/err, delay, maxa, vt
local p, id, token, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local mode = ARGV[5]
local jk = p..'job:'..id
if redis.call('HGET', jk, 'state') ~= 'leased' or redis.call('HGET', jk, 'token') ~= token then
  return 'lost'
end
if mode == 'extend' then
  local lu = now + tonumber(ARGV[9])
  redis.call('ZADD', p..'leased', lu, id)
  redis.call('HSET', jk, 'lease_until', lu, 'updated_at', now)
  return 'leased'
end
redis.call('ZREM', p..'leased', id)
local mr = redis.call('HGET', jk, 'mr_key')
if redis.call('GET', p..'active:'..mr) == id then redis.call('DEL', p..'active:'..mr) end
local dd = redis.call('HGET', jk, 'dedupe_key')
local state
if mode == 'ack' then
  state = ARGV[6]
  redis.call('HSET', jk, 'state', state, 'token', '', 'updated_at', now)
else
  local att = tonumber(redis.call('HGET', jk, 'attempts'))
  local slot = redis.call('HGET', jk, 'slot')
  local q = redis.call('GET', p..'slot:'..slot)
  if att >= tonumber(ARGV[8]) then
    state = 'failed'
  elseif q and q ~= id then
    state = 'superseded'
  else
    state = 'queued'
  end
  redis.call('HSET', jk, 'state', state, 'token', '', 'updated_at', now, 'last_error', ARGV[6])
  if state == 'queued' then
    redis.call('ZADD', p..'ready', now + tonumber(ARGV[7]), id)
    redis.call('SET', p..'slot:'..slot, id)
  end
end
if state ~= 'queued' then
  if redis.call('GET', p..'dedupe:'..dd) == id then redis.call('DEL', p..'dedupe:'..dd) end
  redis.call('EXPIRE', jk, 604800)
end
return state
"""


class RedisQueue:
    """The distributed queue: any number of workers on any machines share one Redis."""

    def __init__(
        self,
        url: str,
        cfg: QueueConfig,
        *,
        prefix: str = "migcheck:q:",
        clock: Callable[[], float] = time.time,
    ) -> None:
        import redis

        self.cfg = cfg
        self.prefix = prefix
        self._clock = clock
        # the password comes from the environment (config check refuses one in the URL)
        self._r: Any = redis.Redis.from_url(url, decode_responses=True, password=cfg.password())
        self._enqueue = self._r.register_script(_LUA_ENQUEUE)
        self._lease = self._r.register_script(_LUA_LEASE)
        self._finish = self._r.register_script(_LUA_FINISH)

    def enqueue(
        self, *, slot: str, mr_key: str, kind: str, payload: dict[str, Any], dedupe_key: str
    ) -> EnqueueResult:
        """See JobQueue.enqueue."""
        data = json.dumps(payload, sort_keys=True)
        out = self._enqueue(
            args=[self.prefix, slot, mr_key, kind, dedupe_key, data, repr(self._clock())]
        )
        return EnqueueResult(str(out[0]), str(out[1]))

    def lease(self, worker: str) -> Lease | None:
        """See JobQueue.lease."""
        token = secrets.token_hex(8)
        out = self._lease(
            args=[
                self.prefix,
                repr(self._clock()),
                repr(self.cfg.visibility_timeout),
                token,
                worker,
            ]
        )
        if not out:
            return None
        h = dict(zip(out[::2], out[1::2], strict=True))
        job = Job(
            id=h["id"],
            slot=h["slot"],
            mr_key=h["mr_key"],
            kind=h["kind"],
            payload=json.loads(h["payload"]),
            attempts=int(h["attempts"]),
            created_at=float(h["created_at"]),
            expired=int(h.get("expired", "0")),
        )
        return Lease(job, token)

    def _call(self, lease: Lease, mode: str, arg: str = "", delay: float = 0.0) -> str:
        out = self._finish(
            args=[
                self.prefix,
                lease.job.id,
                lease.token,
                repr(self._clock()),
                mode,
                arg,
                repr(delay),
                self.cfg.max_attempts,
                repr(self.cfg.visibility_timeout),
            ]
        )
        return str(out)

    def extend(self, lease: Lease) -> bool:
        """See JobQueue.extend."""
        return self._call(lease, "extend") == "leased"

    def ack(self, lease: Lease, result: str = "done") -> bool:
        """See JobQueue.ack."""
        return self._call(lease, "ack", result if result in STATES else "done") != "lost"

    def retry(self, lease: Lease, error: str, *, delay: float | None = None) -> str:
        """See JobQueue.retry."""
        wait = backoff(self.cfg, lease.job.attempts) if delay is None else delay
        return self._call(lease, "retry", error[:2000], wait)

    def depth(self) -> int:
        """See JobQueue.depth."""
        return int(self._r.zcard(self.prefix + "ready")) + int(
            self._r.zcard(self.prefix + "leased")
        )

    def counts(self) -> dict[str, int]:
        """See JobQueue.counts (finished states over the recent list only)."""
        out = dict.fromkeys(STATES, 0)
        for info in self.recent(500):
            out[info.state] = out.get(info.state, 0) + 1
        out["queued"] = int(self._r.zcard(self.prefix + "ready"))
        out["leased"] = int(self._r.zcard(self.prefix + "leased"))
        return out

    def _info(self, h: dict[str, str]) -> JobInfo:
        return JobInfo(
            id=h.get("id", ""),
            kind=h.get("kind", ""),
            mr_key=h.get("mr_key", ""),
            state=h.get("state", ""),
            attempts=int(h.get("attempts", "0")),
            created_at=float(h.get("created_at", "0")),
            updated_at=float(h.get("updated_at", "0")),
            last_error=h.get("last_error", ""),
        )

    def recent(self, limit: int = 50) -> list[JobInfo]:
        """See JobQueue.recent."""
        ids = self._r.lrange(self.prefix + "recent", 0, max(0, limit - 1))
        pipe = self._r.pipeline()
        for i in ids:
            pipe.hgetall(self.prefix + "job:" + i)
        return [self._info(h) for h in pipe.execute() if h]

    def get(self, job_id: str) -> JobInfo | None:
        """See JobQueue.get."""
        h = self._r.hgetall(self.prefix + "job:" + job_id)
        return self._info(h) if h else None

    def close(self) -> None:
        """See JobQueue.close."""
        self._r.close()
