"""One sync run for one tenant: what a background job (or `bms sync`) executes.

A run holds the tenant's lease for its kind of work, reads the organisation (for its lock dates)
when that is stale, then does its work with one Accounting client. Calls are retried by the one
retry policy in the client (client/retry.py); when it gives up — a day-limit 429, an outage — the
run ends with `WaitForXeroError`, which the job layer turns into a run scheduled for later, so no
worker sleeps through it and no batch is sent again by a second retry layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.utils import timezone

from bms.core.tz import zone
from bms.entities.selectors import entity_time_zone
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.errors import RetryableError, XeroError
from bms.xero.client.schemas import Organisation, TrackingCategory
from bms.xero.models import XeroTenant
from bms.xero.selectors import entities_for_tenant
from bms.xero.services.tracking import tracking_store_categories
from bms.xero.sync.leases import LeaseKind, tenant_lease
from bms.xero.sync.pipeline import ReadAhead, needed_before_checks
from bms.xero.sync.tenant_client import accounting_client

T = TypeVar("T")
ORGANISATION_MAX_AGE = timedelta(hours=1)


@dataclass
class WaitForXeroError(Exception):
    """Not a failure: the work is fine and must simply wait (a spent limit, an outage)."""

    until: datetime
    reason: str

    def describe(self, tz_name: str) -> str:
        local = self.until.astimezone(zone(tz_name))
        return f"waiting for Xero's {self.reason} until {local:%H:%M} ({tz_name})"

    @classmethod
    def after(cls, exc: RetryableError) -> WaitForXeroError:
        wait = exc.retry_after_s if exc.retry_after_s is not None else 60.0
        reason = f"{exc.limit_problem} limit" if exc.limit_problem else "service to recover"
        return cls(until=timezone.now() + timedelta(seconds=wait), reason=reason)


def tenant_store_organisation(*, tenant: XeroTenant, organisation: Organisation) -> None:
    XeroTenant.objects.filter(pk=tenant.pk).update(
        name=organisation.name or tenant.name,
        short_code=organisation.short_code or "",
        base_currency=organisation.base_currency or "",
        country_code=(organisation.country_code or "")[:2],
        period_lock_date=organisation.period_lock_date,
        end_of_year_lock_date=organisation.end_of_year_lock_date,
        organisation_read_at=timezone.now(),
    )
    tenant.refresh_from_db()


def tenant_read_organisation(*, tenant: XeroTenant, client: XeroAccountingClient | None = None) -> Organisation:
    """Read the organisation (short code for View in Xero links, currency, lock dates) and keep it,
    with its tracking categories (what the Tracking screen offers)."""
    if client is None:
        with accounting_client(tenant) as own:
            return tenant_read_organisation(tenant=tenant, client=own)
    return tenant_read_reference(tenant=tenant, client=client)[0]


def tenant_read_reference(*, tenant: XeroTenant, client: XeroAccountingClient
                          ) -> tuple[Organisation, list[TrackingCategory]]:
    """The organisation and its tracking categories, read (together) and kept; the categories are
    returned too, so a run that checks tracking next (Check against Xero) need not read them again."""
    return _reference_keep(tenant, _reference_ahead(client))


def _reference_ahead(client: XeroAccountingClient) -> ReadAhead[list[Organisation] | list[TrackingCategory]]:
    return ReadAhead(client, [XeroAccountingClient.get_organisations, _tracking_categories])


def _tracking_categories(client: XeroAccountingClient) -> list[TrackingCategory]:
    return client.get_tracking_categories(include_archived=True)


def _reference_keep(tenant: XeroTenant, reading: ReadAhead[list[Organisation] | list[TrackingCategory]]
                    ) -> tuple[Organisation, list[TrackingCategory]]:
    organisations, categories = reading.result()
    organisation = next((o for o in organisations if isinstance(o, Organisation)), None)
    if organisation is None:
        raise XeroError(f"Xero returned no organisation for {tenant.name}")
    tenant_store_organisation(tenant=tenant, organisation=organisation)
    kept = [c for c in categories if isinstance(c, TrackingCategory)]
    tracking_store_categories(tenant=tenant, categories=kept)
    return organisation, kept


def tenant_time_zone(tenant: XeroTenant) -> str:
    entities = entities_for_tenant(tenant)
    return entity_time_zone(entities[0]) if entities else "UTC"


def tenant_run(
    *, tenant: XeroTenant, lease: LeaseKind, work: Callable[[XeroAccountingClient], T], job_id: int | None = None
) -> T:
    """Run `work(client)` for the tenant under its lease for that kind of work."""
    tenant.refresh_from_db()  # another run (or an admin) may have changed it since it was loaded
    with tenant_lease(tenant=tenant, kind=lease), accounting_client(tenant, job_id=job_id) as client:
        try:
            read_at = tenant.organisation_read_at
            if read_at is None or timezone.now() - read_at > ORGANISATION_MAX_AGE:
                # Read alongside the work's first reads (a push's look-ups), kept before its checks.
                reading = _reference_ahead(client)
                with needed_before_checks(lambda: _reference_keep(tenant, reading)):
                    return work(client)
            return work(client)
        except RetryableError as exc:
            raise WaitForXeroError.after(exc) from None
