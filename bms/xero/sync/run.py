"""One sync run for one tenant: what a background job (or `bms sync`) executes.

A run holds the tenant's lease, reads the organisation (for its lock dates) when that is stale,
then does its work. Transient failures are retried here with backoff, honouring Retry-After; a
wait too long to sit through (a day-limit 429) ends the run with `WaitForXeroError`, which the job
layer turns into a run scheduled for later, so no worker sleeps through it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.utils import timezone

from bms.core.tz import zone
from bms.entities.selectors import entity_time_zone
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.errors import RetryableError
from bms.xero.models import XeroTenant
from bms.xero.selectors import entities_for_tenant
from bms.xero.services.organisations import tenant_read_organisation
from bms.xero.sync.leases import tenant_lease
from bms.xero.sync.log import SyncLog
from bms.xero.sync.tenant_client import accounting_client

T = TypeVar("T")
ORGANISATION_MAX_AGE = timedelta(hours=1)
MAX_INLINE_WAIT_S = 300.0  # longer waits end the run; the job is scheduled for when Xero allows it
MAX_ATTEMPTS = 6


@dataclass
class WaitForXeroError(Exception):
    """Not a failure: the work is fine and must simply wait (a spent limit, an outage)."""

    until: datetime
    reason: str

    def describe(self, tz_name: str) -> str:
        local = self.until.astimezone(zone(tz_name))
        return f"waiting for Xero's {self.reason} until {local:%H:%M} ({tz_name})"


def with_retries(operation: Callable[[], T], *, log: SyncLog, sleep: Callable[[float], None] = time.sleep) -> T:
    """Run `operation`, retrying transient failures with exponential backoff and jitter; Xero's
    Retry-After wins when it is given."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return operation()
        except RetryableError as exc:
            base = settings.XERO_RETRY_BASE_S
            wait = exc.retry_after_s if exc.retry_after_s is not None else min(60.0, base * 2 ** (attempt - 1))
            wait += random.uniform(0, min(1.0, wait / 10))  # spread workers that failed together
            if wait > MAX_INLINE_WAIT_S or attempt == MAX_ATTEMPTS:
                reason = f"{exc.limit_problem} limit" if exc.limit_problem else "service to recover"
                raise WaitForXeroError(until=timezone.now() + timedelta(seconds=wait), reason=reason) from None
            log.warning(f"Xero: {exc.message}; trying again in {wait:.0f} s (attempt {attempt} of {MAX_ATTEMPTS}).")
            sleep(wait)
    raise AssertionError("unreachable")


def tenant_refresh_organisation(tenant: XeroTenant, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if tenant.organisation_read_at is None or now - tenant.organisation_read_at > ORGANISATION_MAX_AGE:
        tenant_read_organisation(tenant=tenant)


def tenant_time_zone(tenant: XeroTenant) -> str:
    entities = entities_for_tenant(tenant)
    return entity_time_zone(entities[0]) if entities else "UTC"


def tenant_run(
    *, tenant: XeroTenant, kind: str, work: Callable[[XeroAccountingClient], T], log: SyncLog, job_id: int | None = None
) -> T:
    """Run `work(client)` for the tenant under its lease, with retries for transient failures."""
    tenant.refresh_from_db()  # another run (or an admin) may have changed it since it was loaded
    with tenant_lease(tenant=tenant, kind=kind), accounting_client(tenant, job_id=job_id) as client:
        with_retries(lambda: tenant_refresh_organisation(tenant), log=log)
        tenant.refresh_from_db()
        return with_retries(lambda: work(client), log=log)
