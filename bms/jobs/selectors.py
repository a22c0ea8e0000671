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


def jobs_count_by_status() -> dict[str, int]:
    """Every status with its count (zero included), plus `waiting`: Queued jobs held back on purpose
    until a later time (e.g. for Xero's daily limit)."""
    from django.utils import timezone

    from bms.jobs.models import JobStatus

    counts = dict.fromkeys(JobStatus.values, 0)
    counts.update(Job.objects.order_by().values("status").annotate(n=Count("id")).values_list("status", "n"))
    counts["waiting"] = Job.objects.filter(status=JobStatus.QUEUED, not_before_at__gt=timezone.now()).count()
    return counts
