"""The one retry policy for calls to Xero: which failures are tried again, how often, how long apart.

Only the choke point (`XeroAccountingClient._call`) applies it, and only to what is safe to send again:
a read, or a write that certainly did not land (refused connection, 429, 503) — re-sent with the same
Idempotency-Key. Xero's Retry-After wins over the backoff. A wait too long to sit through, or the last
attempt failing, is raised to the caller with `retry_after_s` set to when to come back, so the work is
rescheduled rather than a worker sleeping through it. Nothing above the client retries a call again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from bms.xero.client.errors import RetryableError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # sends of one call at most, the first included
    base_s: float = 2.0  # backoff: base, 2×base, 4×base… up to max_backoff_s
    max_backoff_s: float = 60.0
    max_inline_wait_s: float = 120.0  # a longer wait ends the run; the job comes back when Xero allows
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def wait_s(self, exc: RetryableError, attempt: int) -> float:
        """How long to wait after failed attempt number `attempt` (1-based)."""
        if exc.retry_after_s is not None:
            return exc.retry_after_s
        return min(self.max_backoff_s, self.base_s * 2.0 ** (attempt - 1))

    def run(self, operation: Callable[[], T]) -> T:
        for attempt in range(1, self.attempts + 1):
            try:
                return operation()
            except RetryableError as exc:
                wait = self.wait_s(exc, attempt)
                if attempt == self.attempts or wait > self.max_inline_wait_s:
                    exc.retry_after_s = wait
                    raise
                # Jitter spreads the workers that failed together.
                self.sleep(wait + random.uniform(0, min(1.0, wait / 10)))
        raise AssertionError("unreachable")
