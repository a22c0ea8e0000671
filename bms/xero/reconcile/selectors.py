"""Reads for Admin → Reconciliation and for the badge on every Xero panel."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from bms.xero.models import XeroTenant
from bms.xero.reconcile.causes import cause_label
from bms.xero.reconcile.models import ReconciliationRow, ReconciliationRun, RunStatus


@dataclass(frozen=True)
class CauseCount:
    cause: str
    label: str
    count: int


def reconciliation_latest_run(tenant: XeroTenant) -> ReconciliationRun | None:
    """The newest run of the organisation, whatever its status (the screen shows a failed one)."""
    return ReconciliationRun.objects.filter(tenant=tenant).order_by("-started_at", "-pk").first()


def reconciliation_latest_completed(tenant_ids: list[int] | None = None) -> QuerySet[ReconciliationRun]:
    """Each organisation's latest completed run: what "disagrees now" means."""
    runs = ReconciliationRun.objects.filter(status=RunStatus.COMPLETED)
    if tenant_ids is not None:
        runs = runs.filter(tenant_id__in=tenant_ids)
    latest: dict[int, int] = {}
    for pk, tenant_id in runs.order_by("started_at", "pk").values_list("pk", "tenant_id"):
        latest[tenant_id] = pk
    return ReconciliationRun.objects.filter(pk__in=list(latest.values())).select_related("tenant")


def reconciliation_cause_counts(run: ReconciliationRun) -> list[CauseCount]:
    return sorted((CauseCount(cause=cause, label=cause_label(cause), count=count)
                   for cause, count in run.cause_counts.items()), key=lambda c: (-c.count, c.label))


def record_disagreements(*, kind: str, bms_id: int) -> list[ReconciliationRow]:
    """The rows of each organisation's latest completed run that name this BMS record."""
    runs = reconciliation_latest_completed()
    return list(ReconciliationRow.objects.filter(run__in=runs, kind=kind, bms_id=bms_id)
                .select_related("run__tenant").order_by("run__tenant__name", "cause"))


def tenant_disagreements(tenant: XeroTenant) -> int:
    run = reconciliation_latest_completed([tenant.pk]).first()
    return run.disagreements if run is not None else 0
