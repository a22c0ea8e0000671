"""Xero's call limits, enforced before each call (PRODUCT.md §4 guarantee 2).

Per tenant: at most `concurrent` calls in flight, `per_minute` a minute and `per_day` a day;
across the app `app_per_minute` a minute. The windows are sliding logs (pyrate-limiter), which
is stricter than Xero's fixed windows: never more than N calls in ANY window of that length
means never more than N in whichever fixed window Xero counts. A 429 still happens (another app
on the same organisation, a clock skew): its Retry-After blocks the tenant; a wait longer than
`max_wait_s` (a day-limit 429) raises instead, so the work is parked rather than holding a worker.

A call takes its concurrent-call slot first and is counted against the windows only once it has
it: a call counted while it still waited for a slot would leave the window earlier than Xero sees
it arrive, and the window would re-open at the pace of the slots instead of the calls.

The minute and day windows of this limiter cover one process. The concurrent-call slots cover
every process on the machine when `slots_dir` is given (slot_files.py: the web server, the worker
and `bms sync` share Xero's 5). Several machines need the distributed limiter (redis_limits.py),
which the scale-out configuration selects.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pyrate_limiter import AbstractBucket, BucketFactory, InMemoryBucket, Limiter, Rate, RateItem

from bms.xero.client.errors import RetryableError
from bms.xero.client.responses import RateLimitHeaders
from bms.xero.client.slot_files import SlotFiles

APP_BUCKET = "__app__"


@dataclass(frozen=True)
class LimitConfig:
    concurrent: int = 5
    per_minute: int = 60
    per_day: int = 5000
    app_per_minute: int = 10_000
    minute_s: float = 60.0  # time-scaled in benchmarks
    day_s: float = 86_400.0
    max_wait_s: float = 120.0  # longer waits park the work instead of holding a worker

    @property
    def margin_s(self) -> float:
        """How much longer than Xero's a window is counted here. A call is counted when its slot is
        granted, Xero counts it when it arrives: a first call slow on the wire and a 61st fast one
        could otherwise meet in one of Xero's fixed windows. A quarter of a second covers the
        difference between two calls' trips to Xero; a wider margin is paid on every minute of a
        long push (a second was 1.4 % of a 5,000-invoice push), and a 429 that slipped through
        anyway is answered by its Retry-After with the same Idempotency-Key."""
        return min(0.25, self.minute_s * 0.1)


def _binding_rates(config: LimitConfig) -> list[Rate]:
    """The tenant's windows, keeping only those that can bind: pyrate-limiter refuses a window that
    a shorter one already makes unreachable (e.g. 5,000 a day under 2 a minute)."""
    minute = Rate(config.per_minute, int((config.minute_s + config.margin_s) * 1000))
    day = Rate(config.per_day, int((config.day_s + config.margin_s) * 1000))
    if config.per_day <= config.per_minute:
        return [day]
    if config.per_day >= config.per_minute * (config.day_s / config.minute_s):
        return [minute]
    return [minute, day]


class _PerNameBuckets(BucketFactory):
    """One in-memory bucket per tenant, one for the whole app."""

    def __init__(self, config: LimitConfig):
        self._config = config
        self._buckets: dict[str, AbstractBucket] = {}
        self._lock = threading.Lock()

    def wrap_item(self, name: str, weight: int = 1) -> RateItem:
        return RateItem(name, int(time.time() * 1000), weight=weight)

    def get(self, item: RateItem) -> AbstractBucket:
        with self._lock:
            bucket = self._buckets.get(item.name)
            if bucket is None:
                minute_ms = int((self._config.minute_s + self._config.margin_s) * 1000)
                if item.name == APP_BUCKET:
                    rates = [Rate(self._config.app_per_minute, minute_ms)]
                else:
                    rates = _binding_rates(self._config)
                bucket = InMemoryBucket(rates)
                self._buckets[item.name] = bucket
            return bucket


class LocalLimiter:
    def __init__(self, config: LimitConfig | None = None, *, clock: Callable[[], float] = time.monotonic,
                 slots_dir: str | os.PathLike[str] | None = None):
        self.config = config or LimitConfig()
        self._clock = clock
        self.slots_dir = str(slots_dir) if slots_dir else ""
        self._slot_files = SlotFiles(slots_dir) if slots_dir else None
        self._rates = Limiter(_PerNameBuckets(self.config))
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}
        self._blocked_until: dict[str, float] = {}
        self._reasons: dict[str, str] = {}
        self._lock = threading.Lock()
        self.last_seen: dict[str, RateLimitHeaders] = {}

    def _semaphore(self, xero_tenant_id: str) -> threading.BoundedSemaphore:
        with self._lock:
            semaphore = self._semaphores.get(xero_tenant_id)
            if semaphore is None:
                semaphore = threading.BoundedSemaphore(self.config.concurrent)
                self._semaphores[xero_tenant_id] = semaphore
            return semaphore

    def blocked_for(self, xero_tenant_id: str) -> float:
        """Seconds this tenant must still wait because Xero said so (0 when free)."""
        with self._lock:
            return max(0.0, self._blocked_until.get(xero_tenant_id, 0.0) - self._clock())

    @contextmanager
    def slot(self, xero_tenant_id: str) -> Iterator[None]:
        wait = self.blocked_for(xero_tenant_id)
        if wait > self.config.max_wait_s:
            raise RetryableError(
                f"waiting for Xero's {self._reasons.get(xero_tenant_id, 'rate')} limit", status_code=429,
                retry_after_s=wait, limit_problem=self._reasons.get(xero_tenant_id),
            )
        if wait:
            time.sleep(wait)
        deadline = time.monotonic() + self.config.max_wait_s
        semaphore = self._semaphore(xero_tenant_id)
        if not semaphore.acquire(timeout=self.config.max_wait_s):
            raise RetryableError("waiting for a free concurrent-call slot", limit_problem="concurrent")
        try:
            held = self._machine_slot(xero_tenant_id, deadline)
            try:
                self._spend(xero_tenant_id, deadline)
                yield
            finally:
                if held is not None:
                    SlotFiles.release(held)
        finally:
            semaphore.release()

    def _machine_slot(self, xero_tenant_id: str, deadline: float) -> int | None:
        """One of the tenant's slots shared with the other processes on this machine (None without
        a slots folder: this process is alone)."""
        if self._slot_files is None:
            return None
        held = self._slot_files.acquire(xero_tenant_id, self.config.concurrent, deadline=deadline)
        if held is None:
            raise RetryableError("waiting for a free concurrent-call slot (another process holds them)",
                                 limit_problem="concurrent")
        return held

    def _spend(self, xero_tenant_id: str, deadline: float) -> None:
        """Count the call against the tenant's and the app's windows, waiting (with its slot) until
        they allow it."""
        if not self._rates.try_acquire(xero_tenant_id, blocking=True, timeout=_left(deadline)):
            raise RetryableError("waiting for Xero's minute or daily limit", status_code=429,
                                 retry_after_s=self.config.minute_s, limit_problem="minute")
        if not self._rates.try_acquire(APP_BUCKET, blocking=True, timeout=_left(deadline)):
            raise RetryableError("waiting for Xero's app-wide minute limit", status_code=429,
                                 retry_after_s=self.config.minute_s, limit_problem="appminute")

    def observe(self, xero_tenant_id: str, limits: RateLimitHeaders) -> None:
        self.last_seen[xero_tenant_id] = limits

    def penalise(self, xero_tenant_id: str, *, retry_after_s: float | None, problem: str | None) -> None:
        # A concurrency 429 carries no Retry-After: back off briefly and let the semaphore work.
        wait = retry_after_s if retry_after_s is not None else self.config.minute_s / 60
        with self._lock:
            until = self._clock() + wait
            if until > self._blocked_until.get(xero_tenant_id, 0.0):
                self._blocked_until[xero_tenant_id] = until
                self._reasons[xero_tenant_id] = problem or "rate"


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())
