from django.db.models import Count, QuerySet

from bms.jobs.models import Job, JobLogEntry, LogLevel


def jobs_list(*, status: str = "") -> QuerySet[Job]:
    jobs = Job.objects.select_related("requested_by")
    if status:
        jobs = jobs.filter(status=status)
    return jobs.order_by("-queued_at", "-id")


def job_log(*, job: Job, level: str = "") -> QuerySet[JobLogEntry]:
    entries = JobLogEntry.objects.filter(job=job)
    if level:
        entries = entries.filter(level=level)
    return entries.order_by("at", "id")


def job_errors_by_cause(*, job: Job) -> list[dict]:
    """Errors grouped by cause with counts, most frequent first: fix a cause once, then re-trigger."""
    return list(
        JobLogEntry.objects.filter(job=job, level=LogLevel.ERROR)
        .values("cause")
        .annotate(count=Count("id"))
        .order_by("-count", "cause")
    )
