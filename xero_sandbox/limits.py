"""Xero's call limits per tenant (5 concurrent, 60 a minute, a daily quota) and per app (10,000 a
minute), as fixed windows that reset at different moments for each tenant (xero-notes §2)."""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass


@dataclass
class Verdict:
    allowed: bool
    problem: str | None = None
    retry_after: int | None = None
    minute_remaining: int = 0
    day_remaining: int = 0
    app_minute_remaining: int = 0


class Limits:
    def __init__(self, config, clock):
        self.config, self.clock = config, clock
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}
        self._minute: dict[tuple[str, int], int] = {}
        self._day: dict[tuple[str, int], int] = {}
        self._app: dict[int, int] = {}

    def _offset(self, tenant_id: str, length: float) -> float:
        # Each tenant's windows start at their own moment, like Xero's.
        return int(hashlib.sha256(tenant_id.encode()).hexdigest()[:8], 16) % 1000 / 1000 * length

    def _window(self, tenant_id: str, length: float) -> tuple[int, float]:
        shifted = self.clock.time() + self._offset(tenant_id, length)
        index = int(shifted // length)
        return index, (index + 1) * length - shifted

    def admit(self, tenant_id: str) -> Verdict:
        config = self.config
        with self._lock:
            minute, minute_left = self._window(tenant_id, config.minute_s)
            day, day_left = self._window(tenant_id, config.day_s)
            app = int(self.clock.time() // config.minute_s)
            used_minute = self._minute.get((tenant_id, minute), 0)
            used_day = self._day.get((tenant_id, day), 0)
            used_app = self._app.get(app, 0)
            verdict = Verdict(True, minute_remaining=config.minute_limit - used_minute,
                              day_remaining=config.day_limit - used_day,
                              app_minute_remaining=config.app_minute_limit - used_app)
            if config.limits_enabled:
                if self._in_flight.get(tenant_id, 0) >= config.concurrent_limit:
                    verdict.allowed, verdict.problem = False, "concurrent"
                elif used_day >= config.day_limit:
                    verdict.allowed, verdict.problem, verdict.retry_after = False, "day", math.ceil(day_left)
                elif used_minute >= config.minute_limit:
                    verdict.allowed, verdict.problem, verdict.retry_after = False, "minute", math.ceil(minute_left)
                elif used_app >= config.app_minute_limit:
                    verdict.allowed, verdict.problem = False, "appminute"
                    verdict.retry_after = math.ceil(config.minute_s - self.clock.time() % config.minute_s)
            if verdict.allowed:
                self._minute[(tenant_id, minute)] = used_minute + 1
                self._day[(tenant_id, day)] = used_day + 1
                self._app[app] = used_app + 1
                self._in_flight[tenant_id] = self._in_flight.get(tenant_id, 0) + 1
                verdict.minute_remaining -= 1
                verdict.day_remaining -= 1
                verdict.app_minute_remaining -= 1
            return verdict

    def release(self, tenant_id: str) -> None:
        with self._lock:
            self._in_flight[tenant_id] = max(0, self._in_flight.get(tenant_id, 1) - 1)

    def reset(self) -> None:
        with self._lock:
            self._minute.clear()
            self._day.clear()
            self._app.clear()
