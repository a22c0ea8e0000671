"""Check against Xero, for one entity: the last report, and the button that runs a new one as a
background job (services/check_against_xero.py does the work)."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from bms.core.access import rule, user_can
from bms.core.errors import DomainError
from bms.core.tz import zone
from bms.entities.models import Entity
from bms.entities.selectors import entity_time_zone
from bms.jobs.models import Job, JobStatus
from bms.jobs.selectors import job_is_visible_to
from bms.preferences.selectors import xero_is_active
from bms.xero.models import XeroCheck
from bms.xero.selectors import entity_xero_status
from bms.xero.services.actions import entity_check_request
from bms.xero.services.check_report import CheckReport, kind_words
from bms.xero.views import AuthenticatedRequest


@rule("xero.sync")
def check_start(request: AuthenticatedRequest) -> HttpResponse:
    """Check against Xero from a list page: the chosen (else the first) connected entity's check."""
    entities = _connected_entities()
    if not entities:
        messages.error(request, "No entity is connected to Xero yet (Admin → Entities → Connect Xero Organisation).")
        return redirect("billing:invoice_list")
    chosen = next((e for e in entities if str(e.pk) == request.GET.get("entity")), entities[0])
    return redirect("xero:entity_check", pk=chosen.pk)


def _connected_entities() -> list[Entity]:
    return [entity for entity in Entity.objects.select_related("organisation").order_by("name")
            if entity_xero_status(entity).is_connected]


@rule("xero.sync")
def entity_check(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    entity = get_object_or_404(Entity.objects.select_related("organisation"), pk=pk)
    if request.method == "POST":
        try:
            job = entity_check_request(entity=entity, user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Queued as background job #{job.pk}: the report below is replaced when it "
                                      "has finished (nothing is sent to Xero).")
        return redirect("xero:entity_check", pk=pk)
    last = XeroCheck.objects.filter(entity=entity).select_related("job").first()
    report = CheckReport.from_json(last.report) if last is not None else None
    running = Job.objects.filter(kind="xero.check_against_xero", params__entity_id=entity.pk,
                                 status__in=[JobStatus.QUEUED, JobStatus.WORKING]).first()
    tz_name = entity_time_zone(entity)
    return render(request, "xero/entity_check.html", {
        "entity": entity, "status": entity_xero_status(entity), "is_active": xero_is_active(),
        "report": report, "last": last, "running": running, "time_zone": tz_name,
        "checked_at": datetime.fromisoformat(report.checked_at).astimezone(zone(tz_name)) if report else None,
        "kind_rows": _kind_rows(report) if report else [], "entities": _connected_entities(),
        # Each cause with whether this user may open its fix's screen (else: who to ask).
        "cause_rows": [(g, not g.fix_permission or user_can(request.user, g.fix_permission))
                       for g in report.causes] if report else [],
        # Links only to the job pages this user can open (finance users: the jobs they started).
        "can_see_running": job_is_visible_to(request.user, running),
        "can_see_last_job": job_is_visible_to(request.user, last.job if last is not None else None),
    })


def _kind_rows(report: CheckReport) -> list[dict[str, object]]:
    """One row per record kind: how many records, and what the push would do with them."""
    return [{"what": kind_words(kind.kind, kind.total),
             "outcomes": kind.lines()}
            for kind in report.kinds]
