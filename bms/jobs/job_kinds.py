"""The jobs app's own kind: housekeeping of old logs and schedule claims."""

from datetime import time, timedelta

from django.utils import timezone

from bms.jobs.context import JobContext
from bms.jobs.models import FINISHED_STATUSES, JobLogEntry, LogLevel, ScheduleRun
from bms.jobs.registry import job_kind, schedule_provider
from bms.jobs.scheduling import schedule_upsert

KEEP_INFO_LOGS_DAYS = 90


@job_kind("jobs.prune_logs")
def prune_logs(ctx: JobContext, *, keep_days: int = KEEP_INFO_LOGS_DAYS) -> None:
    """Delete the info lines of jobs finished long ago, and old schedule claims.

    Errors and warnings are kept: they are the history a finance user may still need to read. A
    claim older than any schedule's next run can never be contested again, so it can go."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    lines, _ = JobLogEntry.objects.filter(
        level=LogLevel.INFO, job__finished_at__lt=cutoff, job__status__in=FINISHED_STATUSES
    ).delete()
    claims, _ = ScheduleRun.objects.filter(due_at__lt=cutoff).delete()
    ctx.result = f"Completed: removed {lines} info log lines and {claims} schedule runs older than {keep_days} days"


@schedule_provider
def prune_logs_schedule() -> None:
    schedule_upsert(
        key="jobs.prune_logs",
        kind="jobs.prune_logs",
        description="Tidy old job logs",
        at_local_time=time(3, 30),
        time_zone="UTC",
    )
