"""Background work for Xero: thin handlers (ids in, one service call) and their schedules."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from bms.core.text import counted
from bms.entities.models import Entity
from bms.jobs.context import JobContext
from bms.jobs.models import Job, JobStatus
from bms.jobs.registry import Resend, job_kind, job_resender, schedule_provider
from bms.jobs.scheduling import schedule_remove, schedule_upsert
from bms.jobs.services import JobWaitError, job_enqueue
from bms.preferences.selectors import general_settings, xero_is_active
from bms.xero import status_lines  # noqa: F401  (registers the Xero lines of `bms status`)
from bms.xero.auth.incidents import connection_refused, incident_text
from bms.xero.auth.tokens import grants_keep_alive
from bms.xero.client.errors import AuthError
from bms.xero.models import XeroTenant
from bms.xero.reconcile import jobs as reconcile_jobs  # noqa: F401  (registers xero.reconcile and its schedule)
from bms.xero.scheduled_contacts import queue_edited_customers
from bms.xero.selectors import credit_notes_due_for_push, entity_tenant, journals_due_for_push, tenants_in_use
from bms.xero.services.check_against_xero import check_against_xero, entities_in_scope
from bms.xero.services.credit_allocations import allocations_due
from bms.xero.services.payments_push import payments_make_due
from bms.xero.services.refunds_push import refunds_due_for_send, refunds_make_due
from bms.xero.services.syncs import SyncKind, tenant_sync
from bms.xero.sync.leases import LeaseBusyError
from bms.xero.sync.log import SyncOutcome
from bms.xero.sync.run import WaitForXeroError, tenant_time_zone

LEASE_BUSY_RETRY = timedelta(seconds=20)


def _tenant_or_stop(ctx: JobContext, tenant_id: int) -> XeroTenant | None:
    if not xero_is_active():
        ctx.result = "Skipped: the Xero package is not active"
        return None
    tenant = XeroTenant.objects.select_related("grant").filter(pk=tenant_id).first()
    if tenant is None or not tenant.is_connected:
        ctx.result = "Skipped: that Xero organisation is no longer connected"
        return None
    return tenant


def _sync(ctx: JobContext, tenant_id: int, kind: SyncKind, **options: Any) -> SyncOutcome | None:
    """One tenant_sync for this job; what makes the work wait (not fail) becomes a wait or a result."""
    tenant = _tenant_or_stop(ctx, tenant_id)
    if tenant is None:
        return None
    try:
        outcome = tenant_sync(tenant=tenant, kind=kind, log=ctx, job_id=ctx.job.pk, **options)
    except WaitForXeroError as exc:
        raise JobWaitError(exc.describe(tenant_time_zone(tenant)), eta=exc.until,
                           time_zone=tenant_time_zone(tenant)) from None
    except AuthError as exc:
        # Not bad data: the work is parked and resumes once the cause is fixed. Logged as an error so
        # the job does not read as a plain success while work waits.
        _parked(ctx, tenant, exc)
        return None
    except LeaseBusyError as exc:
        # Never dropped: a push pressed while another job sends runs as soon as that one is done;
        # if the holder is a worker that died mid-push, as soon as its (heartbeat) lease runs out.
        now = timezone.now()
        eta = min(max(exc.expires_at or now, now) + timedelta(seconds=1), now + LEASE_BUSY_RETRY)
        raise JobWaitError(f"Waiting: {exc}", eta=eta, time_zone=tenant_time_zone(tenant)) from None
    ctx.result = f"Completed: {outcome.summary()}"
    return outcome


def _parked(ctx: JobContext, tenant: XeroTenant, exc: AuthError) -> None:
    incident = connection_refused(refusal=exc.refusal, tenant=tenant, job_id=ctx.job.pk)
    text = incident_text(incident) if incident is not None else None
    cause = text.title if text is not None else "Xero connection needs re-authentication"
    ctx.error(f"{text.cause} {text.fix}" if text is not None else exc.message, record=tenant.name, cause=cause)
    ctx.held += 1
    ctx.result = f"Parked: {tenant.name} — {cause.lower()}; the work waits (nothing lost) and is sent once it is fixed"


@job_kind("xero.customers.sync")
def sync_customers(ctx: JobContext, *, tenant_id: int, customer_ids: list[int] | None = None,
                   include_failed: bool = True) -> None:
    _sync(ctx, tenant_id, SyncKind.CUSTOMERS, record_ids=customer_ids, include_failed=include_failed)


@job_kind("xero.invoices.push")
def push_invoices(ctx: JobContext, *, tenant_id: int, invoice_ids: list[int] | None = None,
                  include_failed: bool = False) -> None:
    # Fair across organisations: one run sends at most a chunk, and the rest goes to the back of the
    # queue, behind every other organisation's run, so one big backlog cannot starve the others.
    limit = None if invoice_ids is not None else max(1, settings.XERO_PUSH_CHUNK)
    outcome = _sync(ctx, tenant_id, SyncKind.INVOICES, record_ids=invoice_ids, include_failed=include_failed,
                    limit=limit)
    if outcome is not None and outcome.has_more and ctx.done:  # no progress: the schedule tries again, no loop
        job_enqueue(kind="xero.invoices.push", description=ctx.job.description, params={"tenant_id": tenant_id})
        ctx.result += "; the rest follows in the next run"


@job_kind("xero.credit_notes.push")
def push_credit_notes(ctx: JobContext, *, tenant_id: int, credit_note_ids: list[int] | None = None,
                      include_failed: bool = False) -> None:
    _sync(ctx, tenant_id, SyncKind.CREDIT_NOTES, record_ids=credit_note_ids, include_failed=include_failed)


@job_kind("xero.journals.push")
def push_journals(ctx: JobContext, *, tenant_id: int, journal_ids: list[int] | None = None,
                  include_failed: bool = False) -> None:
    _sync(ctx, tenant_id, SyncKind.JOURNALS, record_ids=journal_ids, include_failed=include_failed)


# "Re-send failed records": the record kinds a push names in its log (sync/log.py `record_ref`), in
# the order they go — customers before the invoices that need their contacts.
RESEND_PARAMS = {"contact": "customer_ids", "invoice": "invoice_ids", "payment": "payment_ids",
                 "credit_note": "credit_note_ids", "refund": "refund_ids", "journal": "journal_ids"}


@job_resender("xero.customers.sync", "xero.invoices.push", "xero.credit_notes.push", "xero.journals.push",
              "xero.records.resend")
def resend_records(params: dict[str, Any], refs: list[str]) -> Resend:
    ids: dict[str, list[int]] = {name: [] for name in RESEND_PARAMS.values()}
    for ref in refs:
        kind, _, pk = ref.partition(":")
        if kind in RESEND_PARAMS and pk.isdigit():
            ids[RESEND_PARAMS[kind]].append(int(pk))
    tenant_id = int(params["tenant_id"])  # every push job names its tenant
    tenant = XeroTenant.objects.filter(pk=tenant_id).first()
    count = sum(len(found) for found in ids.values())
    return Resend(kind="xero.records.resend",
                  description=f"Re-send {count} failed record{'s' if count != 1 else ''} to "
                              f"{tenant.name if tenant else 'Xero'}",
                  params={"tenant_id": tenant_id, **{k: v for k, v in ids.items() if v}})


@job_kind("xero.records.resend")
def resend_failed_records(ctx: JobContext, *, tenant_id: int, customer_ids: list[int] | None = None,
                          invoice_ids: list[int] | None = None, payment_ids: list[int] | None = None,
                          journal_ids: list[int] | None = None, credit_note_ids: list[int] | None = None,
                          refund_ids: list[int] | None = None) -> None:
    """Exactly the records named, through the one push engine: those Xero already holds (fixed and
    sent since) are not due any more and are not sent again."""
    results = []
    # A payment follows its invoice: due again, it goes with its invoice's push (which sends the
    # payments entered before connecting).
    if payment_ids:
        invoice_ids = sorted(set(invoice_ids or []) | set(
            payments_make_due(tenant_id=tenant_id, payment_ids=payment_ids)))
    # A refund follows its credit note: due again, it goes with its credit note's push.
    if refund_ids:
        credit_note_ids = sorted(set(credit_note_ids or []) | set(
            refunds_make_due(tenant_id=tenant_id, refund_ids=refund_ids)))
    for kind, record_ids in ((SyncKind.CUSTOMERS, customer_ids), (SyncKind.INVOICES, invoice_ids),
                             (SyncKind.CREDIT_NOTES, credit_note_ids), (SyncKind.JOURNALS, journal_ids)):
        if not record_ids:
            continue
        outcome = _sync(ctx, tenant_id, kind, record_ids=record_ids, include_failed=True)
        if outcome is None:
            return  # skipped or parked: _sync said why
        results.append(f"{kind.value}: {outcome.summary()}")
    ctx.result = "Completed: " + "; ".join(results) if results else "Completed: nothing to re-send"


@job_kind("xero.payments.pull")
def pull_payments(ctx: JobContext, *, tenant_id: int) -> None:
    _sync(ctx, tenant_id, SyncKind.PAYMENTS)


@job_kind("xero.pull_all")
def pull_all(ctx: JobContext) -> None:
    if not xero_is_active():
        ctx.result = "Skipped: the Xero package is not active"
        return
    tenants = tenants_in_use()
    for tenant in tenants:
        job_enqueue(kind="xero.payments.pull", description=f"Pull payments from {tenant.name}",
                    params={"tenant_id": tenant.pk})
    ctx.result = f"Completed: queued payment pulls for {counted(len(tenants), 'Xero organisation')}"


@job_kind("xero.chart.sync")
def sync_chart(ctx: JobContext, *, tenant_id: int) -> None:
    _sync(ctx, tenant_id, SyncKind.ACCOUNTS)


@job_kind("xero.push_all")
def push_all(ctx: JobContext) -> None:
    """The schedule's entry point: one push job per connected tenant, unless one is already waiting."""
    if not xero_is_active():
        ctx.result = "Skipped: the Xero package is not active"
        return
    queued = 0
    for tenant in tenants_in_use():
        queue_edited_customers(tenant)  # contacts first: invoices then carry the customer as edited
        waiting = Job.objects.filter(kind="xero.invoices.push", status=JobStatus.QUEUED,
                                     params__tenant_id=tenant.pk).exists()
        if not waiting:
            job_enqueue(kind="xero.invoices.push", description=f"Push invoices to {tenant.name}",
                        params={"tenant_id": tenant.pk})
            queued += 1
        # Credit notes follow the invoices they credit (queued after them, so they go after them).
        _queue_credit_notes(tenant)
        # The nightly journals built since the last run go out with the next push.
        journals_waiting = Job.objects.filter(kind="xero.journals.push", status=JobStatus.QUEUED,
                                              params__tenant_id=tenant.pk).exists()
        if not journals_waiting and journals_due_for_push(tenant).exists():
            job_enqueue(kind="xero.journals.push", description=f"Push cost-of-sales journals to {tenant.name}",
                        params={"tenant_id": tenant.pk})
    ctx.result = f"Completed: queued pushes for {counted(queued, 'Xero organisation')}"


def _queue_credit_notes(tenant: XeroTenant) -> None:
    waiting = Job.objects.filter(kind="xero.credit_notes.push", status=JobStatus.QUEUED,
                                 params__tenant_id=tenant.pk).exists()
    if not waiting and (credit_notes_due_for_push(tenant).exists() or allocations_due(tenant).exists()
                        or refunds_due_for_send(tenant).exists()):
        job_enqueue(kind="xero.credit_notes.push", description=f"Push credit notes to {tenant.name}",
                    params={"tenant_id": tenant.pk})


@job_kind("xero.check_against_xero")
def check_entity(ctx: JobContext, *, entity_id: int) -> None:
    """Check against Xero: what a push would do with each record, written nowhere but the report."""
    ctx.is_report = True
    entity = Entity.objects.filter(pk=entity_id).first()
    tenant = entity_tenant(entity) if entity is not None else None
    if entity is None or tenant is None or _tenant_or_stop(ctx, tenant.pk) is None:
        ctx.result = ctx.result or "Skipped: that entity is no longer connected to Xero"
        return
    try:
        report = check_against_xero(tenant=tenant, entities=entities_in_scope(entity, tenant), log=ctx, job=ctx.job)
    except WaitForXeroError as exc:
        raise JobWaitError(exc.describe(tenant_time_zone(tenant)), eta=exc.until,
                           time_zone=tenant_time_zone(tenant)) from None
    except AuthError as exc:
        _parked(ctx, tenant, exc)
        return
    ctx.result = f"Completed: {report.summary()}"


@job_kind("xero.keep_alive")
def keep_alive(ctx: JobContext) -> None:
    refreshed, dead = grants_keep_alive(log=ctx)
    ctx.result = f"Completed: {counted(refreshed, 'idle connection')} refreshed, {dead} need re-authentication"


@schedule_provider
def xero_schedules() -> None:
    settings_row = general_settings()
    if settings_row.integration_package != "xero":
        # Under any other package the schedules do nothing; removing them makes that visible.
        for key in ("xero.push_all", "xero.pull_all", "xero.keep_alive"):
            schedule_remove(key=key)
        return
    schedule_upsert(key="xero.push_all", kind="xero.push_all", description="Push released invoices to Xero",
                    every_minutes=settings_row.invoice_push_interval_minutes)
    schedule_upsert(key="xero.pull_all", kind="xero.pull_all", description="Pull payments from Xero",
                    every_minutes=settings_row.payment_pull_interval_minutes)
    schedule_upsert(key="xero.keep_alive", kind="xero.keep_alive", description="Keep idle Xero connections alive",
                    at_local_time=time(4, 15), time_zone=settings_row.default_time_zone)
