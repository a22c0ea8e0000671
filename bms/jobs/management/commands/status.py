"""`bms status`: what an operator checks on a running installation, from any machine.

Queue depth and jobs by status, then what each app registered with `status_provider` (the Xero app:
organisations whose work is parked, and connections waiting for someone to press Authenticate with
Xero). Read-only."""

from django.core.management.base import BaseCommand

from bms.jobs import engine
from bms.jobs.models import JobStatus
from bms.jobs.registry import status_providers
from bms.jobs.selectors import jobs_count_by_status


class Command(BaseCommand):
    help = "Show queue depth, jobs by status, parked Xero organisations and connections needing re-authentication."

    def handle(self, *args, **options):
        write = self.stdout.write
        try:
            depth = str(engine.queue_depth())
        except Exception as exc:  # noqa: BLE001 (the engine being down, however, is what an operator needs to see)
            depth = f"unknown (the job engine cannot be reached: {type(exc).__name__})"
        counts = jobs_count_by_status()
        write("Background jobs")
        write(f"  Queue depth: {depth}")
        write("  " + ", ".join(f"{JobStatus(status).label}: {counts[status]}" for status in JobStatus.values)
              + f" (of the queued, {counts['waiting']} waiting until later)")
        for provider in status_providers():
            for line in provider():
                write(line)
