"""The request log: one entry per Accounting API call (and, kept apart, per identity call), with
the timestamps needed to prove a client respected Xero's limits.

Each entry: `at` and `done` (sandbox clock, epoch seconds), `method`, `path`, `query`, `endpoint`
(e.g. "PUT /Invoices"), `tenant`, `client_id`, `status`, `problem` (the X-Rate-Limit-Problem of
a 429, or "storm", "dropped", "offline", "replayed"…), `admitted` (counted against the limits),
`idempotency_key`."""

from __future__ import annotations

import threading
from collections import Counter, deque

from xero_sandbox.limits import Limits


class RequestLog:
    def __init__(self, limit: int):
        self._lock = threading.Lock()
        self.entries: deque[dict] = deque(maxlen=max(1, limit))
        self.identity: deque[dict] = deque(maxlen=max(1, limit))

    def add(self, entry: dict, *, identity: bool = False) -> dict:
        with self._lock:
            (self.identity if identity else self.entries).append(entry)
        return entry

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()
            self.identity.clear()

    def select(self, tenant: str | None = None, *, identity: bool = False) -> list[dict]:
        with self._lock:
            entries = list(self.identity if identity else self.entries)
        return [dict(e) for e in entries if not tenant or e.get("tenant") == tenant]


def summary(entries: list[dict], limits: Limits, minute_s: float, day_s: float) -> dict:
    """Counts per endpoint and tenant, 429s by cause, and per tenant the peaks a client must keep
    under: calls in flight at once, calls counted in one of Xero's (fixed, per-tenant) minute and
    day windows, and calls in any sliding minute (stricter than Xero; shown for information)."""
    by_endpoint = Counter(e["endpoint"] for e in entries)
    by_tenant = Counter(e["tenant"] for e in entries)
    by_tenant_endpoint: dict[str, Counter] = {}
    refused = Counter(e["problem"] for e in entries if e["status"] == 429)
    for e in entries:
        by_tenant_endpoint.setdefault(e["tenant"], Counter())[e["endpoint"]] += 1
    peaks = {}
    for tenant in by_tenant:
        admitted = sorted((e for e in entries if e["tenant"] == tenant and e.get("admitted")), key=lambda e: e["at"])
        peaks[tenant] = {
            "max_in_flight": _max_overlap(admitted),
            "max_in_minute_window": _max_per_window(admitted, limits, tenant, minute_s),
            "max_in_day_window": _max_per_window(admitted, limits, tenant, day_s),
            "max_in_sliding_minute": _max_sliding(admitted, minute_s),
        }
    return {"total": len(entries), "by_endpoint": dict(by_endpoint), "by_tenant": dict(by_tenant),
            "by_tenant_endpoint": {t: dict(c) for t, c in by_tenant_endpoint.items()},
            "rate_limited": dict(refused), "peaks": peaks}


def _max_overlap(entries: list[dict]) -> int:
    events = []
    for e in entries:
        events.append((e["at"], 1))
        events.append((e.get("done") or e["at"], -1))
    current = peak = 0
    for _, step in sorted(events, key=lambda event: (event[0], event[1])):  # ends before starts at a tie
        current += step
        peak = max(peak, current)
    return peak


def _max_per_window(entries: list[dict], limits: Limits, tenant: str, length: float) -> int:
    windows = Counter(limits.window(tenant, length, e["at"])[0] for e in entries)
    return max(windows.values(), default=0)


def _max_sliding(entries: list[dict], length: float) -> int:
    times = [e["at"] for e in entries]
    peak = start = 0
    for end, moment in enumerate(times):
        while moment - times[start] >= length:
            start += 1
        peak = max(peak, end - start + 1)
    return peak
