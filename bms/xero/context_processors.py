"""The connection banner: on every page, for whoever can fix Xero connections (issue 17, item 1).

One line per open incident (auth/incidents.py) naming the entities and the organisation, what Xero
refused, and the one button that fixes it; and one per organisation whose daily call limit is spent,
with when work goes on in the entity's own time. The base template renders `site_banners` without
knowing Xero (core never imports it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from bms.core.access import user_can
from bms.core.tz import zone
from bms.entities.models import Entity
from bms.preferences.selectors import xero_is_active
from bms.xero.auth.incidents import incident_text, open_incidents
from bms.xero.models import IncidentKind, XeroIncident, XeroTenant
from bms.xero.selectors import entities_for_tenant
from bms.xero.sync.run import tenant_time_zone


def _entities(incident: XeroIncident) -> list[tuple[XeroTenant, list[Entity]]]:
    tenants = ([incident.tenant] if incident.tenant is not None
               else list(XeroTenant.objects.filter(grant_id=incident.grant_id).order_by("name")))
    return [(tenant, entities_for_tenant(tenant)) for tenant in tenants if tenant is not None]


def incident_banner(incident: XeroIncident, *, return_to: str = "") -> dict[str, Any]:
    text = incident_text(incident)
    reached = _entities(incident)
    names = "; ".join(f"{', '.join(e.name for e in entities) or 'no entity'} → {tenant.name}"
                      for tenant, entities in reached)
    banner: dict[str, Any] = {"level": "error", "title": text.title, "who": names, "cause": text.cause,
                              "fix": text.fix, "action_label": text.action, "action_url": "", "next": return_to}
    if incident.kind == IncidentKind.PERMISSION:
        banner["action_url"] = reverse("xero:incident_retry", args=[incident.pk])
    else:
        entity = next((entities[0] for _, entities in reached if entities), None)
        if entity is not None:
            banner["action_url"] = reverse("xero:authenticate", args=[entity.pk])
    return banner


def day_limit_banners() -> list[dict[str, Any]]:
    banners = []
    for tenant in XeroTenant.objects.filter(waiting_until__gt=timezone.now(), waiting_reason="day"):
        assert tenant.waiting_until is not None
        tz_name = tenant_time_zone(tenant)
        local = tenant.waiting_until.astimezone(zone(tz_name))
        names = ", ".join(entity.name for entity in entities_for_tenant(tenant)) or "no entity"
        banners.append({
            "level": "warning", "title": "Xero's daily call limit reached",
            "who": f"{names} → {tenant.name}",
            "cause": f"Xero allows no more calls for {tenant.name} today: waiting until {local:%H:%M}, {tz_name}.",
            "fix": "Nothing to do: the work waits and goes on by itself then.", "action_label": "", "action_url": "",
            "next": "",
        })
    return banners


def connection_banners(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user_can(user, "xero.connect") or not xero_is_active():
        return {"site_banners": []}
    return_to = request.get_full_path()
    banners = [incident_banner(incident, return_to=return_to) for incident in open_incidents()]
    return {"site_banners": banners + day_limit_banners()}
