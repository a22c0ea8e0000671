"""The one place that builds a tenant's Accounting API client from settings: its token source,
the process-wide limiter, and the attempt log."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import httpx2
from django.conf import settings
from django.utils import timezone

from bms.xero.auth.incidents import connection_refused
from bms.xero.auth.tokens import GrantNeedsReauthenticationError, access_token, grant_refresh_after_expiry
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.attempts import Attempt
from bms.xero.client.limits import LimitConfig, LocalLimiter
from bms.xero.client.redis_limits import RedisLimiter
from bms.xero.client.retry import RetryPolicy
from bms.xero.models import XeroAttempt, XeroTenant

call_logger = logging.getLogger("bms.xero.calls")
_limiter_lock = threading.Lock()
_limiter: LocalLimiter | RedisLimiter | None = None


def limit_config() -> LimitConfig:
    return LimitConfig(
        concurrent=settings.XERO_LIMIT_CONCURRENT,
        per_minute=settings.XERO_LIMIT_PER_MINUTE,
        per_day=settings.XERO_LIMIT_PER_DAY,
        app_per_minute=settings.XERO_LIMIT_APP_PER_MINUTE,
        minute_s=settings.XERO_LIMIT_MINUTE_S,
        day_s=settings.XERO_LIMIT_DAY_S,
    )


def limits_url() -> str:
    """Where the limits' state lives: BMS_LIMITS_URL, else Redis when the jobs run on Redis, else
    this process (the embedded default: one worker)."""
    url = settings.BMS_LIMITS_URL or settings.BMS_JOBS_URL
    return url if url.startswith(("redis://", "rediss://")) else ""


def process_limiter() -> LocalLimiter | RedisLimiter:
    """One limiter per process, shared by every thread, so their calls add up against one budget;
    with Redis the budget is shared with every other worker too, without it the concurrent-call
    slots still are with the machine's other processes (XERO_LIMIT_SLOTS_DIR)."""
    global _limiter
    with _limiter_lock:
        config, url = limit_config(), limits_url()
        slots_dir = "" if url else str(settings.XERO_LIMIT_SLOTS_DIR or "")
        if (_limiter is None or _limiter.config != config or getattr(_limiter, "url", "") != url
                or getattr(_limiter, "slots_dir", "") != slots_dir):
            if url:
                _limiter = RedisLimiter(config, url=url, hold_s=settings.XERO_TIMEOUT_S + 10,
                                       prefix=f"{settings.BMS_JOBS_QUEUE}:xero-limits")
            else:
                # Xero's 5 concurrent calls shared with the other processes of this machine (web, worker).
                _limiter = LocalLimiter(config, slots_dir=slots_dir or None)
        return _limiter


def process_limiter_reset() -> None:
    """Forget what the limiter learnt (tests start each Xero organisation afresh)."""
    global _limiter
    with _limiter_lock:
        if isinstance(_limiter, RedisLimiter):
            _limiter.reset()
        _limiter = None


def _record_attempt(attempt: Attempt, job_id: int | None, tenant: XeroTenant) -> None:
    # The attempt log row (for the screens) and a structured line (for whoever watches the workers).
    call_logger.info("xero call", extra={"fields": {
        "job": job_id, "tenant": attempt.xero_tenant_id, "operation": attempt.operation, "outcome": attempt.outcome,
        "status": attempt.status_code, "ms": attempt.duration_ms,
        "minute_remaining": attempt.limits.minute_remaining, "day_remaining": attempt.limits.day_remaining,
        "app_minute_remaining": attempt.limits.app_minute_remaining,
    }})
    XeroAttempt.objects.create(
        xero_tenant_id=attempt.xero_tenant_id,
        operation=attempt.operation,
        method=attempt.method,
        path=attempt.path[:255],
        idempotency_key=attempt.idempotency_key or "",
        status_code=attempt.status_code,
        duration_ms=attempt.duration_ms,
        outcome=attempt.outcome,
        minute_remaining=attempt.limits.minute_remaining,
        day_remaining=attempt.limits.day_remaining,
        app_minute_remaining=attempt.limits.app_minute_remaining,
        job_id=job_id,
    )
    if attempt.limits.minute_remaining is not None or attempt.limits.day_remaining is not None:
        XeroTenant.objects.filter(xero_tenant_id=attempt.xero_tenant_id).update(
            minute_calls_remaining=attempt.limits.minute_remaining,
            day_calls_remaining=attempt.limits.day_remaining,
            limits_seen_at=timezone.now(),
        )
    _record_health(attempt, job_id, tenant)


def _record_health(attempt: Attempt, job_id: int | None, tenant: XeroTenant) -> None:
    """The one door from every Accounting call to the connection's health: a refusal opens (or
    feeds) its incident, whichever call met it, a read as much as a write; a day limit spent is
    kept on the tenant until Xero's Retry-After, for the banner (the limiter itself keeps it in
    memory or Redis, which the screens cannot read)."""
    if attempt.refusal is not None:
        connection_refused(refusal=attempt.refusal, tenant=tenant, job_id=job_id)
    elif attempt.status_code == 429 and attempt.limit_problem == "day" and attempt.retry_after_s:
        XeroTenant.objects.filter(pk=tenant.pk).update(
            waiting_until=timezone.now() + timedelta(seconds=attempt.retry_after_s), waiting_reason="day")


def accounting_client(
    tenant: XeroTenant, *, job_id: int | None = None, transport: httpx2.BaseTransport | None = None,
    read_only: bool = False,
) -> XeroAccountingClient:
    if tenant.grant_id is None or not tenant.is_connected:
        raise GrantNeedsReauthenticationError(f"{tenant.name} is not connected to BMS; authenticate with Xero again")
    grant_id = tenant.grant_id
    return XeroAccountingClient(
        base_url=settings.XERO_API_URL,
        xero_tenant_id=tenant.xero_tenant_id,
        token_source=lambda: access_token(grant_id=grant_id),
        token_expired=lambda token: grant_refresh_after_expiry(grant_id=grant_id, expired_token=token),
        limiter=process_limiter(),
        timeout=httpx2.Timeout(settings.XERO_TIMEOUT_S, connect=10.0),
        transport=transport,
        on_attempt=lambda attempt: _record_attempt(attempt, job_id, tenant),
        retry=RetryPolicy(base_s=settings.XERO_RETRY_BASE_S),
        read_only=read_only,
    )
