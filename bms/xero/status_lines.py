"""The Xero part of `bms status`: what Xero refused and what it holds back, by cause, with the fix;
organisations whose daily call limit is spent; connections waiting for someone to press Authenticate
with Xero. Registered with the jobs app, which owns the command."""

from collections.abc import Iterator

from django.utils import timezone

from bms.core.text import counted
from bms.core.tz import zone
from bms.jobs.registry import status_provider
from bms.xero.auth.incidents import incident_blocks, incident_text, open_incidents
from bms.xero.auth.parking import links_parked_count
from bms.xero.models import XeroTenant
from bms.xero.selectors import grants_needing_reauthentication, tenants_with_parked_work
from bms.xero.sync.run import tenant_time_zone


@status_provider
def xero_status_lines() -> Iterator[str]:
    incidents = open_incidents()
    yield "Xero connection problems" + ("" if incidents else ": none")
    for incident in incidents:
        text = incident_text(incident)
        where, models = incident_blocks(incident)
        parked = links_parked_count(where=where, models=models)
        yield f"  {text.title}: {counted(parked, 'record')} parked — {text.cause} Fix: {text.fix}"
    parked_tenants = tenants_with_parked_work()
    yield "Parked Xero organisations" + ("" if parked_tenants else ": none")
    for row in parked_tenants:
        reason = f" — {row['reason']}" if row["reason"] else ""
        yield f"  {row['tenant'].name}: {counted(row['parked'], 'record')} parked{reason}"
    waiting = list(XeroTenant.objects.filter(waiting_until__gt=timezone.now(), waiting_reason="day"))
    for tenant in waiting:
        assert tenant.waiting_until is not None
        tz_name = tenant_time_zone(tenant)
        yield (f"  {tenant.name}: Xero's daily call limit reached — waiting until "
               f"{tenant.waiting_until.astimezone(zone(tz_name)):%H:%M}, {tz_name}")
    grants = list(grants_needing_reauthentication())
    yield "Connections needing re-authentication" + ("" if grants else ": none")
    for grant in grants:
        who = grant.authenticated_by_name or grant.authenticated_by_email or f"grant {grant.pk}"
        organisations = ", ".join(tenant.name for tenant in grant.tenants.all()) or "no organisations"
        yield f"  {who} ({organisations}): {grant.status_reason or 'Xero refused the connection'}"
