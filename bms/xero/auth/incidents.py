"""Connection health: what happens when Xero refuses a connection, and when it is fixed (issue 17).

Every refusal, from any call (a read of contacts or accounts as much as a batch of invoices), comes
here through one door: the attempt recorder of the Accounting client (sync/tenant_client.py) and the
token refresh (auth/tokens.py). `connection_refused` then

1. opens the incident for what was refused, once (one open incident per key, a database constraint):
   a dead grant, a missing scope, a disconnected organisation, or a Xero user's role that refuses one
   kind of work (client/refusals.py);
2. marks what the screens read (the grant needs re-authentication; the tenant's `auth_problem`);
3. parks exactly the work it blocks (auth/parking.py) — everything, or one kind only;
4. e-mails the people who can fix it, once per incident, after the commit (auth/notify.py).

Re-authenticating (services/connections.py) closes the grant's incidents and resumes the work; a role
refusal can also be retried once the role is changed in Xero (`incident_retry`).
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bms.xero.auth.incident_words import FAMILY_SHORT as FAMILY_SHORT
from bms.xero.auth.incident_words import PARKED_CAUSES
from bms.xero.auth.incident_words import incident_text as incident_text
from bms.xero.auth.notify import incident_notify_on_commit
from bms.xero.auth.parking import LINK_MODELS, family_links, links_park, links_resume
from bms.xero.client.refusals import Refusal, RefusalKind
from bms.xero.models import GrantStatus, IncidentKind, SyncLink, XeroGrant, XeroIncident, XeroTenant

logger = logging.getLogger(__name__)

def _scope(refusal: Refusal, tenant: XeroTenant | None, grant_id: int) -> tuple[str, IncidentKind, int | None]:
    """(key, kind, tenant id) of the incident a refusal belongs to. A dead grant or a missing scope
    is the grant's (every organisation it reaches); a disconnection or a role refusal one tenant's."""
    family = refusal.family
    if refusal.kind == RefusalKind.SCOPE:
        return f"scope:{grant_id}:{family}", IncidentKind.SCOPE, None
    if refusal.kind == RefusalKind.GRANT or tenant is None:
        return f"grant:{grant_id}", IncidentKind.GRANT, None
    if refusal.kind == RefusalKind.TENANT:
        return f"tenant:{tenant.pk}", IncidentKind.TENANT, tenant.pk
    return f"permission:{tenant.pk}:{family}", IncidentKind.PERMISSION, tenant.pk


def incident_blocks(incident: XeroIncident) -> tuple[Q, tuple[type[SyncLink], ...]]:
    """The link rows an incident holds back: (filter on their tenant, link kinds)."""
    where = Q(tenant_id=incident.tenant_id) if incident.tenant_id else Q(tenant__grant_id=incident.grant_id)
    if incident.kind in (IncidentKind.SCOPE, IncidentKind.PERMISSION):
        return where, family_links(incident.family)
    return where, LINK_MODELS


def _park(incident: XeroIncident) -> int:
    text = incident_text(incident)
    where, models = incident_blocks(incident)
    return links_park(where=where, models=models, reason=f"Waiting: {text.cause} {text.fix}",
                      cause=PARKED_CAUSES[IncidentKind(incident.kind)])


def connection_refused(*, refusal: Refusal, tenant: XeroTenant | None = None, grant_id: int | None = None,
                       job_id: int | None = None) -> XeroIncident | None:
    """Xero refused a call (or the token refresh) for the reason `refusal` says. Idempotent: the
    first refusal opens the incident and e-mails; the next ones only park what is still pending."""
    if grant_id is None and tenant is not None:
        grant_id = tenant.grant_id
    if grant_id is None:
        return None  # a tenant with no grant is not connected: nothing to park or tell
    key, kind, incident_tenant = _scope(refusal, tenant, grant_id)
    with transaction.atomic():
        incident = XeroIncident.objects.filter(key=key, closed_at__isnull=True).first()
        opened = incident is None
        if incident is None:
            try:
                with transaction.atomic():
                    incident = XeroIncident.objects.create(
                        key=key, kind=kind, grant_id=grant_id, tenant_id=incident_tenant,
                        family=refusal.family if kind in (IncidentKind.SCOPE, IncidentKind.PERMISSION) else "",
                        detail=refusal.detail[:255], job_id=job_id)
            except IntegrityError:  # another worker opened it a moment ago
                incident = XeroIncident.objects.get(key=key, closed_at__isnull=True)
                opened = False
        if kind == IncidentKind.GRANT:
            XeroGrant.objects.filter(pk=grant_id).exclude(status=GrantStatus.NEEDS_REAUTH).update(
                status=GrantStatus.NEEDS_REAUTH, status_reason=incident_text(incident).cause[:255],
                updated_at=timezone.now())
        elif incident_tenant is not None and kind == IncidentKind.TENANT:
            XeroTenant.objects.filter(pk=incident_tenant, auth_problem="").update(
                auth_problem=incident_text(incident).cause[:255])
        parked = _park(incident)
        if opened:
            incident_notify_on_commit(incident.pk)
    if opened:
        logger.warning("xero incident %s opened (%s); %s pending pushes parked", incident.pk, key, parked)
    return incident


def grant_refused(*, grant_id: int, detail: str) -> None:
    """The token endpoint refused the grant (invalid_grant): it is dead."""
    connection_refused(refusal=Refusal(RefusalKind.GRANT, detail[:200]), grant_id=grant_id)


def open_incidents() -> list[XeroIncident]:
    return list(XeroIncident.objects.filter(closed_at__isnull=True).select_related("grant", "tenant")
                .order_by("opened_at", "pk"))


def tenant_incidents(tenant: XeroTenant, *, among: list[XeroIncident] | None = None) -> list[XeroIncident]:
    """The open incidents that hold back this organisation's work (its own and its grant's); `among`:
    the open incidents already read (a page of panels reads them once)."""
    return [incident for incident in (open_incidents() if among is None else among)
            if incident.tenant_id == tenant.pk or (incident.tenant_id is None and incident.grant_id == tenant.grant_id
                                                    and tenant.grant_id is not None)]


def blocking_incident(tenant: XeroTenant, model: type[SyncLink]) -> XeroIncident | None:
    """The open incident that holds back this kind of record for this organisation, if any."""
    for incident in tenant_incidents(tenant):
        if model in incident_blocks(incident)[1]:
            return incident
    return None


def incident_close(incident: XeroIncident, *, by: str) -> int:
    """Close it and resume what it parked (unless another open incident still holds it back)."""
    with transaction.atomic():
        closed = XeroIncident.objects.filter(pk=incident.pk, closed_at__isnull=True).update(
            closed_at=timezone.now(), closed_by=by[:200])
        if not closed:
            return 0
        where, models = incident_blocks(incident)
        still = XeroIncident.objects.filter(closed_at__isnull=True).exclude(pk=incident.pk)
        for other in still:
            other_where, other_models = incident_blocks(other)
            if set(other_models) & set(models):
                where &= ~other_where
        return links_resume(where=where, models=models)


def incidents_close_after_authentication(*, grant: XeroGrant, tenants: list[XeroTenant], by: str) -> list[int]:
    """A fresh consent: the grant's incidents are over (a new token, its scopes asked again, its user's
    role read again by Xero on the next call), and so are the disconnections of the organisations it
    reached again. Returns the tenant ids whose work resumed (for the push that follows)."""
    reached = {tenant.pk for tenant in tenants}
    resumed: set[int] = set()
    for incident in XeroIncident.objects.filter(closed_at__isnull=True).filter(
            Q(grant=grant) | Q(tenant_id__in=reached)):
        if incident.tenant_id is not None and incident.tenant_id not in reached:
            continue  # an organisation this consent did not reach stays disconnected
        incident_close(incident, by=by)
        resumed |= {incident.tenant_id} if incident.tenant_id else set(
            XeroTenant.objects.filter(grant=grant).values_list("pk", flat=True))
    # Another Xero user's consent took over every organisation of a dead grant: its incident is over.
    for incident in XeroIncident.objects.filter(closed_at__isnull=True, tenant__isnull=True).exclude(grant=grant):
        if not XeroTenant.objects.filter(grant_id=incident.grant_id).exists():
            XeroIncident.objects.filter(pk=incident.pk).update(closed_at=timezone.now(), closed_by=by[:200])
    return sorted(resumed & reached) if reached else sorted(resumed)


class IncidentRetryError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def incident_retry(*, incident_id: int, by: str) -> XeroIncident:
    """"Try again" on a role refusal, once the user's role was changed in Xero: the incident closes,
    the work it held back is pending again (the caller queues the push). If Xero still refuses, the
    next call opens a new incident (and a new e-mail: it is a new attempt at a fix)."""
    incident = XeroIncident.objects.select_related("tenant").filter(pk=incident_id).first()
    if incident is None or not incident.is_open:
        raise IncidentRetryError("That Xero problem is already closed: nothing to try again.")
    if incident.kind != IncidentKind.PERMISSION:
        raise IncidentRetryError("This problem is fixed by Authenticate with Xero, not by trying again.")
    incident_close(incident, by=by)
    return incident
