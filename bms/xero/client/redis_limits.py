"""Xero's call limits shared by every worker on every machine, kept in Redis.

The same interface as `LocalLimiter` (slot / observe / penalise / blocked_for), so the choke point
does not know which one it holds. Scale-out selects this one (BMS_LIMITS_URL, or BMS_JOBS_URL when
it is redis://): N workers on M machines then add up against one budget per tenant and one for
the app.

One Lua script takes a call's whole permission atomically, or nothing:
- a concurrency hold: a sorted-set member scored by its expiry, so the slot of a worker killed
  mid-call frees itself after `hold_s` (a call cannot outlive its timeout) instead of leaking;
- the tenant's sliding minute and day logs and the app's minute log (sorted sets of call times).
Nothing is spent while waiting for another part (pyrate-limiter's RedisBucket would spend the rate
before the concurrency wait, and cannot hold an expiring semaphore). Times come from Redis's own
clock, so machines with skewed clocks still share one timeline.

Sliding windows are stricter than Xero's fixed ones (see limits.py). Each window is lengthened by
`margin_s`: a call is counted when its slot is granted but Xero counts it when it arrives a moment
later (more so on a loaded machine), and that moment must not slip a call into Xero's next window
early: 10 % of a minute, at most a quarter second (LimitConfig.margin_s).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from bms.xero.client.errors import RetryableError
from bms.xero.client.limits import LimitConfig
from bms.xero.client.responses import RateLimitHeaders

ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local member, hold_ms = ARGV[1], tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
if redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[3]) then
  return {-1, 0}
end
local wait, which = 0, 0
for i = 1, 3 do
  local limit, window = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local n = redis.call('ZCARD', KEYS[i])
  if n >= limit then
    local oldest = redis.call('ZRANGE', KEYS[i], n - limit, n - limit, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now + 1
    if w > wait then wait, which = w, i end
  end
end
if wait > 0 then
  return {wait, which}
end
for i = 1, 3 do
  redis.call('ZADD', KEYS[i], now, member)
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[3 + 2 * i]) + 1000)
end
redis.call('ZADD', KEYS[4], now + hold_ms, member)
redis.call('PEXPIRE', KEYS[4], hold_ms + 1000)
return {0, now}
"""

PROBLEMS = {1: "minute", 2: "day", 3: "appminute"}


class RedisLimiter:
    def __init__(self, config: LimitConfig | None = None, *, url: str, prefix: str = "bms:xero-limits",
                 hold_s: float = 60.0, margin_s: float | None = None, poll_s: float | None = None):
        self.config = config or LimitConfig()
        self.url = url
        self._redis = redis.Redis.from_url(url)
        self._acquire = self._redis.register_script(ACQUIRE)
        self._prefix = prefix
        self._hold_ms = int(hold_s * 1000)
        minute_margin = self.config.margin_s if margin_s is None else margin_s
        self._minute_ms = int((self.config.minute_s + minute_margin) * 1000)
        self._day_ms = int((self.config.day_s + minute_margin) * 1000)
        # While all 5 slots are taken, ask again this often (a released slot is not announced).
        self._poll_s = poll_s if poll_s is not None else min(0.05, self.config.minute_s / 600)
        self.last_seen: dict[str, RateLimitHeaders] = {}

    def _key(self, *parts: str) -> str:
        return ":".join((self._prefix, *parts))

    def blocked_for(self, xero_tenant_id: str) -> float:
        """Seconds this tenant must still wait because Xero said so (0 when free), for every worker."""
        ttl_ms = self._redis.pttl(self._key("blocked", xero_tenant_id))
        return max(0.0, ttl_ms / 1000) if ttl_ms and ttl_ms > 0 else 0.0

    def _blocked_reason(self, xero_tenant_id: str) -> str | None:
        value = self._redis.get(self._key("blocked", xero_tenant_id))
        if not value:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)

    @contextmanager
    def slot(self, xero_tenant_id: str) -> Iterator[float]:
        """Hold one call's permission; yields the moment it was granted, in seconds on Redis's clock
        (the timeline every worker's calls were counted on)."""
        config = self.config
        wait = self.blocked_for(xero_tenant_id)
        if wait > config.max_wait_s:
            reason = self._blocked_reason(xero_tenant_id) or "rate"
            raise RetryableError(f"waiting for Xero's {reason} limit", status_code=429, retry_after_s=wait,
                                 limit_problem=reason)
        if wait:
            time.sleep(wait)
        member = uuid.uuid4().hex
        keys = [self._key("minute", xero_tenant_id), self._key("day", xero_tenant_id), self._key("app"),
                self._key("inflight", xero_tenant_id)]
        args: list[str | int] = [member, self._hold_ms, config.concurrent, config.per_minute, self._minute_ms,
                                 config.per_day, self._day_ms, config.app_per_minute, self._minute_ms]
        deadline = time.monotonic() + config.max_wait_s
        while True:
            wait_ms, which = self._acquire(keys=keys, args=args)
            if wait_ms == 0:
                granted_ms = which
                break
            pause = self._poll_s if wait_ms < 0 else wait_ms / 1000
            if time.monotonic() + pause > deadline:
                if wait_ms < 0:
                    raise RetryableError("waiting for a free concurrent-call slot", limit_problem="concurrent")
                problem = PROBLEMS.get(int(which), "minute")
                raise RetryableError(f"waiting for Xero's {problem} limit", status_code=429, retry_after_s=pause,
                                     limit_problem=problem)
            time.sleep(pause)
        try:
            yield granted_ms / 1000
        finally:
            self._redis.zrem(keys[3], member)

    def observe(self, xero_tenant_id: str, limits: RateLimitHeaders) -> None:
        self.last_seen[xero_tenant_id] = limits

    def penalise(self, xero_tenant_id: str, *, retry_after_s: float | None, problem: str | None) -> None:
        # A concurrency 429 carries no Retry-After: back off briefly and let the holds work.
        wait = retry_after_s if retry_after_s is not None else self.config.minute_s / 60
        key = self._key("blocked", xero_tenant_id)
        wait_ms = max(1, int(wait * 1000))
        # Only lengthen a block: a short penalty must not cut short a day-limit one another worker set.
        if wait_ms > (self._redis.pttl(key) or 0):
            self._redis.set(key, problem or "rate", px=wait_ms)

    def reset(self) -> None:
        """Forget everything counted (tests and benchmarks start each run afresh)."""
        for key in self._redis.scan_iter(match=self._prefix + ":*", count=1000):
            self._redis.delete(key)
