"""Admin → Reconciliation: thin views over run.py (through the xero.reconcile job) and repairs.py.
Readable, runnable and repairable by admin and finance users (the xero.reconcile rule)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bms.core.access import rule
from bms.core.errors import DomainError
from bms.core.pagination import paginate
from bms.core.text import counted
from bms.jobs.services import job_enqueue
from bms.preferences.selectors import xero_is_active
from bms.users.models import User
from bms.xero.reconcile.forms import FilterForm, RepairForm, RunNowForm
from bms.xero.reconcile.jobs import KIND
from bms.xero.reconcile.kinds import KINDS
from bms.xero.reconcile.models import ReconciliationRow, ReconciliationRun
from bms.xero.reconcile.repairs import reconciliation_repair, repairs_for
from bms.xero.reconcile.run import reconciliation_default_range
from bms.xero.reconcile.selectors import reconciliation_cause_counts, reconciliation_latest_run
from bms.xero.selectors import tenants_in_use
from bms.xero.sync.run import tenant_time_zone


class AuthenticatedRequest(HttpRequest):
    user: User


@rule("xero.reconcile")
def reconciliation(request: AuthenticatedRequest) -> HttpResponse:
    tenants = tenants_in_use() if xero_is_active() else []
    chosen = next((t for t in tenants if str(t.pk) == request.GET.get("tenant")), tenants[0] if tenants else None)
    context: dict[str, object] = {"is_active": xero_is_active(), "tenants": tenants, "chosen": chosen}
    if chosen is None:
        return render(request, "xero/reconciliation.html", context)
    run = reconciliation_latest_run(chosen)
    filters = FilterForm(request.GET or None)
    start, end = (run.date_from, run.date_to) if run else reconciliation_default_range(tenant=chosen)
    context.update(run=run, filters=filters, time_zone=tenant_time_zone(chosen),
                   is_abandoned=run is not None and run.is_abandoned(timezone.now()),
                   run_form=RunNowForm(tenants=tenants, initial={"tenant": chosen.pk, "date_from": start,
                                                                  "date_to": end, "full": True}),
                   kinds=KINDS)
    if run is not None:
        rows = run.rows.all()
        if filters.is_valid():
            if filters.cleaned_data["cause"]:
                rows = rows.filter(cause=filters.cleaned_data["cause"])
            if filters.cleaned_data["kind"]:
                rows = rows.filter(kind=filters.cleaned_data["kind"])
        causes = reconciliation_cause_counts(run)
        context.update(
            counts=[(KINDS[name].title if name in KINDS else name, c) for name, c in run.counts.items()],
            causes=[(c, _cause_repairs(run, c.cause)) for c in causes],
            **paginate(request, rows, rows=_with_repairs))
    return render(request, "xero/reconciliation.html", context)


def _with_repairs(rows: list[ReconciliationRow]) -> list[tuple[ReconciliationRow, list[object]]]:
    return [(row, list(repairs_for(kind=row.kind, cause=row.cause))) for row in rows]


def _cause_repairs(run: ReconciliationRun, cause: str) -> list[object]:
    """The repairs that apply to at least one unrepaired row of this cause (offered once per cause):
    one look-up in the unrepaired rows' index per kind that has a repair for the cause, not a read of
    the cause's rows (a run may hold 100,000 of them)."""
    unrepaired = run.rows.filter(cause=cause, repaired_at__isnull=True)
    seen: dict[str, object] = {}
    for kind in sorted(KINDS):
        repairs = [repair for repair in repairs_for(kind=kind, cause=cause) if repair.name not in seen]
        if repairs and unrepaired.filter(kind=kind).exists():
            for repair in repairs:
                seen.setdefault(repair.name, repair)
    return list(seen.values())


def _back(tenant_id: int | None, **query: str) -> HttpResponse:
    params = {"tenant": str(tenant_id)} if tenant_id else {}
    params.update({k: v for k, v in query.items() if v})
    return redirect(f"{reverse('reconcile:reconciliation')}?{urlencode(params)}")


@require_POST
@rule("xero.reconcile")
def reconciliation_run_now(request: AuthenticatedRequest) -> HttpResponse:
    tenants = tenants_in_use() if xero_is_active() else []
    form = RunNowForm(request.POST, tenants=tenants)
    if not form.is_valid():
        for error in [*form.non_field_errors(), *(e for f in form for e in f.errors)]:
            messages.error(request, error)
        return _back(None)
    tenant, data = form.cleaned_data["tenant"], form.cleaned_data
    job = job_enqueue(kind=KIND, description=f"Reconcile BMS with {tenant.name}", requested_by=request.user,
                      params={"tenant_id": tenant.pk, "date_from": data["date_from"].isoformat(),
                              "date_to": data["date_to"].isoformat(), "full": bool(data["full"])})
    messages.success(request, f"Reconciliation with {tenant.name} queued (job #{job.pk}, Admin → Background Jobs); "
                              "this page shows its result once it has run.")
    return _back(tenant.pk)


@require_POST
@rule("xero.reconcile")
def reconciliation_repair_view(request: AuthenticatedRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(ReconciliationRun.objects.select_related("tenant"), pk=run_id)
    form = RepairForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
        return _back(run.tenant_id)
    rows = run.rows.all().select_related("run__tenant")
    picked = rows.filter(pk=form.cleaned_data["row"]) if form.cleaned_data["row"] else rows.filter(
        cause=form.cleaned_data["cause"])
    try:
        repaired, problems = reconciliation_repair(rows=list(picked), repair=form.cleaned_data["repair"],
                                                   user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(run.tenant_id, cause=request.POST.get("filter_cause", ""))
    if repaired:
        messages.success(request, f"{counted(repaired, 'record')} repaired or queued; run the reconciliation again "
                                  "to confirm.")
    for problem in problems:
        messages.warning(request, problem)
    return _back(run.tenant_id, cause=request.POST.get("filter_cause", ""))


