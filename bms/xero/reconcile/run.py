"""`reconciliation_run`: one pass over one organisation and date range, for the screen's button,
the nightly job and `bms reconcile` alike.

    run = reconciliation_run(tenant=tenant, date_from=date(2026, 1, 1), date_to=date(2026, 12, 31), log=log)
    run.cause_counts    # {"totals": 5, "missing_in_xero": 5, …}

It runs under the tenant's reconcile lease (never twice at once per organisation) through the
one client and its rate limiter. A full pass reads the whole range; an incremental pass sends
If-Modified-Since (the start of the previous completed run, less an overlap) and keeps the previous
run's verdict for every record Xero did not return, because If-Modified-Since misses some changes
(xero-notes §7: DueDate, SentToContact…; §5: contact balances) the weekly full pass catches them.
A run row is written first and closed last; one whose worker died stops beating and is closed as
failed by the next run (and shown as stopped until then), so nothing stays "Running" forever.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from bms.core.heartbeat import beating
from bms.core.text import counted
from bms.core.tz import trading_day
from bms.users.models import User
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.attempts import Attempt
from bms.xero.models import XeroTenant
from bms.xero.reconcile.causes import Cause, cause_label
from bms.xero.reconcile.kinds import KINDS
from bms.xero.reconcile.models import ReconciliationRow, ReconciliationRun, RunStatus, Verdict
from bms.xero.reconcile.registry import Finding, KindResult, Scope
from bms.xero.selectors import entities_for_tenant
from bms.xero.sync.leases import LeaseKind
from bms.xero.sync.log import SyncLog
from bms.xero.sync.run import tenant_run, tenant_time_zone

OVERLAP = timedelta(minutes=5)
HEARTBEAT_S = 5.0


def reconciliation_close_abandoned(*, tenant: XeroTenant, now: datetime | None = None) -> int:
    """Close the runs of this organisation whose worker died (silent for two leases) as failed."""
    now = now or timezone.now()
    dead = [run.pk for run in ReconciliationRun.objects.filter(tenant=tenant, status=RunStatus.RUNNING)
            if run.is_abandoned(now)]
    return ReconciliationRun.objects.filter(pk__in=dead).update(
        status=RunStatus.FAILED, finished_at=now, error="Stopped: the worker running it died. Run it again.")


def _previous(tenant: XeroTenant) -> ReconciliationRun | None:
    return ReconciliationRun.objects.filter(tenant=tenant, status=RunStatus.COMPLETED).order_by("-started_at").first()


def reconciliation_run(
    *, tenant: XeroTenant, date_from: date, date_to: date, log: SyncLog, full: bool = True,
    requested_by: User | None = None, job_id: int | None = None,
) -> ReconciliationRun:
    """Compare BMS and Xero for one organisation and range now. Raises what tenant_run raises
    (WaitForXeroError, LeaseBusyError, AuthError) after closing the run as failed."""
    if date_from > date_to:
        raise ValueError("the range starts after it ends")
    reconciliation_close_abandoned(tenant=tenant)
    previous = None if full else _previous(tenant)
    now = timezone.now()
    run = ReconciliationRun.objects.create(
        tenant=tenant, date_from=date_from, date_to=date_to, is_full=previous is None, requested_by=requested_by,
        job_id=job_id, started_at=now, heartbeat_at=now)
    since = previous.started_at - OVERLAP if previous is not None else None
    scope = Scope(tenant=tenant, entities=entities_for_tenant(tenant), date_from=date_from, date_to=date_to)
    mine = ReconciliationRun.objects.filter(pk=run.pk)
    try:
        with beating(every_s=HEARTBEAT_S, name=f"reconcile-{run.pk}",
                     beat=lambda: mine.update(heartbeat_at=timezone.now())):
            results, calls = tenant_run(tenant=tenant, lease=LeaseKind.RECONCILE, job_id=job_id,
                                        work=lambda client: _read_all(client, scope, since, log))
    except BaseException as exc:
        mine.update(status=RunStatus.FAILED, finished_at=timezone.now(), error=str(exc)[:2000] or type(exc).__name__)
        raise
    _store(run, results, previous, calls)
    run.refresh_from_db()
    _report(run, log)
    return run


def _read_all(client: XeroAccountingClient, scope: Scope, since: datetime | None,
              log: SyncLog) -> tuple[dict[str, KindResult], int]:
    attempts: list[Attempt] = []

    def counted(attempt: Attempt) -> None:
        attempts.append(attempt)
        client.record_attempt(attempt)

    reader = client.detached(token_source=client.token, on_attempt=counted)
    log.set_total(len(KINDS))
    results = {}
    for name, kind in KINDS.items():
        results[name] = kind.run(client=reader, scope=scope, since=since)
        log.advance()
    return results, len(attempts)


def _carried(previous: ReconciliationRun, name: str, result: KindResult, date_from: date) -> list[Finding]:
    """The previous run's verdicts on records an incremental read did not return (still in range)."""
    rows = (previous.rows.filter(kind=name).exclude(xero_id__in=result.reread_xero_ids)
            .exclude(bms_id__in=result.reread_bms_ids))
    return [Finding(verdict=Verdict(row.verdict), cause=Cause(row.cause), label=row.label, message=row.message,
                    bms_id=row.bms_id, xero_id=row.xero_id, dated_on=row.dated_on, bms_value=row.bms_value,
                    xero_value=row.xero_value)
            for row in rows if row.dated_on is None or row.dated_on >= date_from]


def _store(run: ReconciliationRun, results: dict[str, KindResult], previous: ReconciliationRun | None,
           calls: int) -> None:
    counts: dict[str, dict[str, int]] = {}
    causes: dict[str, int] = {}
    rows = []
    for name, result in results.items():
        findings = result.findings + (_carried(previous, name, result, run.date_from) if previous else [])
        tally = {verdict.value: 0 for verdict in Verdict}
        for finding in findings:
            tally[finding.verdict] += 1
            causes[finding.cause] = causes.get(finding.cause, 0) + 1
            rows.append(ReconciliationRow(
                run=run, kind=name, verdict=finding.verdict, cause=finding.cause, label=finding.label[:255],
                bms_id=finding.bms_id, xero_id=finding.xero_id, dated_on=finding.dated_on,
                bms_value=finding.bms_value[:500], xero_value=finding.xero_value[:500], message=finding.message))
        agree = max(0, result.compared - tally[Verdict.DIFFER] - tally[Verdict.ONLY_BMS])
        counts[name] = {"compared": result.compared, "agree": agree, **tally}
    records = sum(r.compared + r.xero_read for r in results.values())
    with transaction.atomic():
        ReconciliationRow.objects.bulk_create(rows, batch_size=500)
        ReconciliationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.COMPLETED, finished_at=timezone.now(), counts=counts, cause_counts=causes, calls=calls,
            records=records)


def _report(run: ReconciliationRun, log: SyncLog) -> None:
    for row in run.rows.all():
        log.warning(row.message, record=row.label, cause=cause_label(row.cause))
    summary = ", ".join(f"{n} {cause_label(cause).lower()}" for cause, n in sorted(run.cause_counts.items()))
    log.info(f"Reconciliation of {run.tenant.name} {run.date_from:%d/%m/%Y}–{run.date_to:%d/%m/%Y}: "
             f"{counted(run.disagreements, 'disagreement')}{': ' + summary if summary else ''}; "
             f"{counted(run.records, 'record')} read "
             f"in {counted(run.calls, 'call')}.")


def reconciliation_default_range(*, tenant: XeroTenant, now: datetime | None = None) -> tuple[date, date]:
    """The twelve months to today, in the organisation's (first entity's) time zone."""
    today = trading_day(now or timezone.now(), tenant_time_zone(tenant))
    return today - timedelta(days=364), today
