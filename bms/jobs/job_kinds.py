"""The jobs app's own kind: housekeeping of old logs."""

from datetime import time, timedelta

from django.utils import timezone

from bms.jobs.context import JobContext
from bms.jobs.models import JobLogEntry, JobStatus
from bms.jobs.registry import job_kind, schedule_provider
from bms.jobs.scheduling import schedule_upsert

KEEP_INFO_LOGS_DAYS = 90


@job_kind("jobs.prune_logs")
def prune_logs(ctx: JobContext, *, keep_days: int = KEEP_INFO_LOGS_DAYS) -> None:
    """Delete the info lines of jobs finished long ago. Errors and warnings are kept: they are the
    history a finance user may still need to read."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _ = JobLogEntry.objects.filter(
        level="info", job__finished_at__lt=cutoff, job__status__in=[JobStatus.COMPLETED, JobStatus.FAILED]
    ).delete()
    ctx.result = f"Completed: removed {deleted} info log lines older than {keep_days} days"


@schedule_provider
def schedules_ensure() -> None:
    schedule_upsert(
        key="jobs.prune_logs",
        kind="jobs.prune_logs",
        description="Tidy old job logs",
        at_local_time=time(3, 30),
        time_zone="UTC",
    )
