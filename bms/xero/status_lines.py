"""The Xero part of `bms status`: organisations whose work is parked, and connections waiting for
someone to press Authenticate with Xero. Registered with the jobs app, which owns the command."""

from collections.abc import Iterator

from bms.core.text import counted
from bms.jobs.registry import status_provider
from bms.xero.selectors import grants_needing_reauthentication, tenants_with_parked_work


@status_provider
def xero_status_lines() -> Iterator[str]:
    parked = tenants_with_parked_work()
    yield "Parked Xero organisations" + ("" if parked else ": none")
    for row in parked:
        reason = f" — {row['reason']}" if row["reason"] else ""
        yield f"  {row['tenant'].name}: {counted(row['parked'], 'record')} parked{reason}"
    grants = list(grants_needing_reauthentication())
    yield "Connections needing re-authentication" + ("" if grants else ": none")
    for grant in grants:
        who = grant.authenticated_by_name or grant.authenticated_by_email or f"grant {grant.pk}"
        organisations = ", ".join(tenant.name for tenant in grant.tenants.all()) or "no organisations"
        yield f"  {who} ({organisations}): {grant.status_reason or 'Xero refused the connection'}"
