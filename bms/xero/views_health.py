"""Connection health actions: "Try again" after a Xero user's role was changed (issue 17, item 1)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from bms.core.access import rule
from bms.jobs.services import job_enqueue
from bms.users.models import User
from bms.xero.auth.incidents import FAMILY_SHORT, IncidentRetryError, incident_retry
from bms.xero.views import AuthenticatedRequest, _back, _safe_return

PUSH_FOR_FAMILY = {"manualjournals": "xero.journals.push", "invoices": "xero.invoices.push",
                   "contacts": "xero.customers.sync"}


@require_POST
@rule("xero.connect")
def incident_retry_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return_to = _safe_return(request, request.POST.get("next"))
    user: User = request.user
    try:
        incident = incident_retry(incident_id=pk, by=f"Try again by {user}")
    except IncidentRetryError as exc:
        messages.error(request, exc.message)
        return _back(request, return_to)
    tenant = incident.tenant
    kind = PUSH_FOR_FAMILY.get(incident.family, "xero.invoices.push")
    if tenant is not None:
        job_enqueue(kind=kind, description=f"Send the waiting {FAMILY_SHORT.get(incident.family, 'work')} to "
                    f"{tenant.name} (Try again)", params={"tenant_id": tenant.pk}, requested_by=user)
    messages.success(request, f"Trying again: the waiting {FAMILY_SHORT.get(incident.family, 'work')} are being "
                     f"sent to {tenant.name if tenant else 'Xero'}. If Xero still refuses, the banner comes back.")
    return _back(request, return_to)
