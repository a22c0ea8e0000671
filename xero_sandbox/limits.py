"""Xero's call limits (xero-notes §2): per app and tenant, 5 calls in flight, 60 a minute and a
daily quota; per app, 10,000 a minute. Minute and day are fixed windows that start at a
different moment for each tenant, as Xero's do, so a client must follow Retry-After rather than
guess the reset.

Calls refused with a 429 do not spend the budget; a concurrency 429 carries no Retry-After."""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass

from xero_sandbox.clock import Clock
from xero_sandbox.config import SandboxConfig


@dataclass
class Verdict:
    allowed: bool
    problem: str | None = None  # X-Rate-Limit-Problem: concurrent, minute, day, appminute
    retry_after: int | None = None
    minute_remaining: int = 0
    day_remaining: int = 0
    app_minute_remaining: int = 0

    def headers(self) -> dict[str, str]:
        return {"X-MinLimit-Remaining": str(max(0, self.minute_remaining)),
                "X-DayLimit-Remaining": str(max(0, self.day_remaining)),
                "X-AppMinLimit-Remaining": str(max(0, self.app_minute_remaining))}


class Limits:
    def __init__(self, config: SandboxConfig, clock: Clock):
        self.config, self.clock = config, clock
        self._lock = threading.Lock()
        self._in_flight: dict[tuple[str, str], int] = {}
        self._minute: dict[tuple[str, str, int], int] = {}
        self._day: dict[tuple[str, str, int], int] = {}
        self._app: dict[tuple[str, int], int] = {}

    @staticmethod
    def _offset(tenant_id: str, length: float) -> float:
        # Each tenant's windows start at their own moment, like Xero's.
        return int(hashlib.sha256(tenant_id.encode()).hexdigest()[:8], 16) % 1000 / 1000 * length

    def window(self, tenant_id: str, length: float, now: float | None = None) -> tuple[int, float]:
        """(index of the window containing now, seconds until it ends)."""
        length = max(length, 1e-6)
        shifted = (self.clock.time() if now is None else now) + self._offset(tenant_id, length)
        index = int(shifted // length)
        return index, (index + 1) * length - shifted

    def admit(self, client_id: str, tenant_id: str) -> Verdict:
        config = self.config
        with self._lock:
            now = self.clock.time()
            minute, minute_left = self.window(tenant_id, config.minute_s, now)
            day, day_left = self.window(tenant_id, config.day_s, now)
            app_length = max(config.minute_s, 1e-6)
            app = int(now // app_length)
            used_minute = self._minute.get((client_id, tenant_id, minute), 0)
            used_day = self._day.get((client_id, tenant_id, day), 0)
            used_app = self._app.get((client_id, app), 0)
            verdict = Verdict(allowed=True, minute_remaining=config.minute_limit - used_minute,
                              day_remaining=config.day_limit - used_day,
                              app_minute_remaining=config.app_minute_limit - used_app)
            if config.limits_enabled:
                if self._in_flight.get((client_id, tenant_id), 0) >= config.concurrent_limit:
                    verdict.allowed, verdict.problem = False, "concurrent"
                elif used_day >= config.day_limit:
                    verdict.allowed, verdict.problem, verdict.retry_after = False, "day", max(1, math.ceil(day_left))
                elif used_minute >= config.minute_limit:
                    verdict.allowed, verdict.problem = False, "minute"
                    verdict.retry_after = max(1, math.ceil(minute_left))
                elif used_app >= config.app_minute_limit:
                    verdict.allowed, verdict.problem = False, "appminute"
                    verdict.retry_after = max(1, math.ceil(app_length - now % app_length))
            if verdict.allowed:
                self._minute[(client_id, tenant_id, minute)] = used_minute + 1
                self._day[(client_id, tenant_id, day)] = used_day + 1
                self._app[(client_id, app)] = used_app + 1
                key = (client_id, tenant_id)
                self._in_flight[key] = self._in_flight.get(key, 0) + 1
                verdict.minute_remaining -= 1
                verdict.day_remaining -= 1
                verdict.app_minute_remaining -= 1
                self._forget_old(minute, day, app)
            return verdict

    def _forget_old(self, minute: int, day: int, app: int) -> None:
        # Windows two behind the current one can never be asked for again; keep memory flat.
        if len(self._minute) > 10_000:
            self._minute = {k: v for k, v in self._minute.items() if k[2] >= minute - 1}
        if len(self._day) > 10_000:
            self._day = {k: v for k, v in self._day.items() if k[2] >= day - 1}
        if len(self._app) > 10_000:
            self._app = {k: v for k, v in self._app.items() if k[1] >= app - 1}

    def release(self, client_id: str, tenant_id: str) -> None:
        with self._lock:
            key = (client_id, tenant_id)
            self._in_flight[key] = max(0, self._in_flight.get(key, 1) - 1)

    def reset(self) -> None:
        """Forget the calls counted so far (not the ones in flight)."""
        with self._lock:
            self._minute.clear()
            self._day.clear()
            self._app.clear()
