"""The reconciliation as background work: `xero.reconcile` for one organisation (Run now on the
screen, and the nightly schedule), and the nightly schedule itself.

Nightly means after the journals: two hours after the nightly journal time (Admin → General
Settings), in the organisation's time zone, by when the night's journals were built and the
15-minute push has sent them. Each night is an incremental pass; it is a full pass when the last
full one is a week old (If-Modified-Since misses some changes, xero-notes §7), so a missed Sunday
is made up the next night rather than skipped."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from bms.core.text import counted
from bms.jobs.context import JobContext
from bms.jobs.models import Schedule
from bms.jobs.registry import job_kind, schedule_provider
from bms.jobs.scheduling import schedule_upsert
from bms.jobs.services import JobWaitError
from bms.preferences.selectors import general_settings, xero_is_active
from bms.xero.client.errors import AuthError
from bms.xero.models import XeroTenant
from bms.xero.reconcile.models import ReconciliationRun, RunStatus
from bms.xero.reconcile.run import reconciliation_default_range, reconciliation_run
from bms.xero.selectors import tenants_in_use
from bms.xero.sync.leases import LeaseBusyError
from bms.xero.sync.run import WaitForXeroError, tenant_time_zone

KIND = "xero.reconcile"
KEY_PREFIX = "xero.reconcile."
FULL_PASS_EVERY = timedelta(days=7)
AFTER_JOURNALS = timedelta(hours=2)


def reconciliation_full_pass_due(*, tenant: XeroTenant, now: datetime | None = None) -> bool:
    last_full = (ReconciliationRun.objects.filter(tenant=tenant, status=RunStatus.COMPLETED, is_full=True)
                 .order_by("-started_at").values_list("started_at", flat=True).first())
    return last_full is None or (now or timezone.now()) - last_full >= FULL_PASS_EVERY - timedelta(hours=1)


@job_kind(KIND)
def reconcile(ctx: JobContext, *, tenant_id: int, date_from: str | None = None, date_to: str | None = None,
              full: bool | None = None) -> None:
    tenant = XeroTenant.objects.select_related("grant").filter(pk=tenant_id).first()
    if not xero_is_active():
        ctx.result = "Skipped: the Xero package is not active"
        return
    if tenant is None or not tenant.is_connected:
        ctx.result = "Skipped: that Xero organisation is no longer connected"
        return
    default_from, default_to = reconciliation_default_range(tenant=tenant)
    start = date.fromisoformat(date_from) if date_from else default_from
    end = date.fromisoformat(date_to) if date_to else default_to
    is_full = reconciliation_full_pass_due(tenant=tenant) if full is None else full
    try:
        run = reconciliation_run(tenant=tenant, date_from=start, date_to=end, full=is_full, log=ctx,
                                 requested_by=ctx.job.requested_by, job_id=ctx.job.pk)
    except WaitForXeroError as exc:
        raise JobWaitError(exc.describe(tenant_time_zone(tenant)), eta=exc.until,
                           time_zone=tenant_time_zone(tenant)) from None
    except LeaseBusyError as exc:
        now = timezone.now()
        raise JobWaitError(f"Waiting: {exc}", eta=max(exc.expires_at or now, now) + timedelta(seconds=1),
                           time_zone=tenant_time_zone(tenant)) from None
    except AuthError as exc:
        ctx.warning(f"{tenant.name} needs re-authentication ({exc.message}); reconcile again after someone presses "
                    "Authenticate with Xero.", cause="Xero connection needs re-authentication")
        ctx.result = f"Waiting: {tenant.name} needs re-authentication"
        return
    ctx.result = (f"Completed: {counted(run.disagreements, 'disagreement')} with {tenant.name} "
                  f"({'full' if run.is_full else 'incremental'} pass, {run.calls} calls)")


@schedule_provider
def reconcile_schedules() -> None:
    settings_row = general_settings()
    keys = set()
    if settings_row.integration_package == "xero":
        at = (datetime.combine(date(2000, 1, 1), settings_row.journal_run_local_time) + AFTER_JOURNALS).time()
        for tenant in tenants_in_use():
            key = f"{KEY_PREFIX}{tenant.pk}"
            keys.add(key)
            schedule_upsert(key=key, kind=KIND, params={"tenant_id": tenant.pk},
                            description=f"Reconcile BMS with {tenant.name}", at_local_time=time(at.hour, at.minute),
                            time_zone=tenant_time_zone(tenant))
    # Under another package, or for an organisation no longer in use, the schedule goes.
    Schedule.objects.filter(key__startswith=KEY_PREFIX).exclude(key__in=keys).delete()
