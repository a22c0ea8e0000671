"""`bms status`: what an operator checks on a running installation, from any machine.

Queue depth, jobs by status, organisations whose work is parked, and Xero connections waiting for
someone to press Authenticate with Xero. Read-only."""

from django.core.management.base import BaseCommand

from bms.jobs import engine
from bms.jobs.models import JobStatus
from bms.jobs.selectors import jobs_count_by_status
from bms.xero.selectors import grants_needing_reauthentication, tenants_with_parked_work


class Command(BaseCommand):
    help = "Show queue depth, jobs by status, parked Xero organisations and connections needing re-authentication."

    def handle(self, *args, **options):
        write = self.stdout.write
        try:
            depth = str(engine.queue_depth())
        except Exception as exc:  # the engine being down is exactly what an operator needs to see
            depth = f"unknown (the job engine cannot be reached: {type(exc).__name__})"
        counts = jobs_count_by_status()
        write("Background jobs")
        write(f"  Queue depth: {depth}")
        write("  " + ", ".join(f"{JobStatus(status).label}: {counts[status]}" for status in JobStatus.values)
              + f" (of the queued, {counts['waiting']} waiting until later)")
        parked = tenants_with_parked_work()
        write("Parked Xero organisations" + ("" if parked else ": none"))
        for row in parked:
            reason = f" — {row['reason']}" if row["reason"] else ""
            write(f"  {row['tenant'].name}: {row['parked']} record(s) parked{reason}")
        grants = list(grants_needing_reauthentication())
        write("Connections needing re-authentication" + ("" if grants else ": none"))
        for grant in grants:
            who = grant.authenticated_by_name or grant.authenticated_by_email or f"grant {grant.pk}"
            organisations = ", ".join(tenant.name for tenant in grant.tenants.all()) or "no organisations"
            write(f"  {who} ({organisations}): {grant.status_reason or 'Xero refused the connection'}")
