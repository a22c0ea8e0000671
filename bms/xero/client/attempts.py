"""What the choke point (api.py) reports of each call, and what it needs from a rate limiter."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from bms.xero.client.refusals import Refusal
from bms.xero.client.responses import RateLimitHeaders


@dataclass(frozen=True)
class Attempt:
    """One call, as the append-only attempt log records it: never a token, never a body."""

    operation: str
    xero_tenant_id: str
    method: str
    path: str
    idempotency_key: str | None
    status_code: int | None
    duration_ms: int
    limits: RateLimitHeaders
    outcome: str  # ok | validation | auth | retryable | uncertain | error
    # What a refused connection means (outcome "auth"), and a 429's wait: the attempt recorder turns
    # them into the connection's health (auth/incidents.py) on the caller's thread.
    refusal: Refusal | None = None
    retry_after_s: float | None = None
    limit_problem: str | None = None


class Limiter(Protocol):
    def slot(self, xero_tenant_id: str) -> AbstractContextManager[object]:
        """A context manager held for the duration of one call; blocks until the call may go."""

    def observe(self, xero_tenant_id: str, limits: RateLimitHeaders) -> None: ...

    def penalise(self, xero_tenant_id: str, *, retry_after_s: float | None, problem: str | None) -> None: ...
