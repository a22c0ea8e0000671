from django.db.models import Count, Max, Q, QuerySet

from bms.core.access import user_can
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


def jobs_visible_to(user, *, status: str = "") -> QuerySet[Job]:
    """Admins see every job; anyone else with the Background Jobs screen sees the jobs they started."""
    jobs = jobs_list(status=status)
    return jobs if user_can(user, "jobs.view_all") else jobs.filter(requested_by_id=user.pk)


def job_is_visible_to(user, job: Job | None) -> bool:
    """May this user open the job's page? (Link to a job only when it is.)"""
    if job is None or not user_can(user, "jobs.view"):
        return False
    return user_can(user, "jobs.view_all") or job.requested_by_id == user.pk


def job_errors_by_cause(*, job: Job) -> list[dict]:
    """Failed and held records grouped by cause with counts, most frequent first, each with how
    many can still be re-sent and the job that re-sent the others: fix a cause once, re-send it."""
    problems = Q(level=LogLevel.ERROR) | (Q(level=LogLevel.WARNING) & ~Q(record_ref=""))
    return list(  # level__in: the range of the job_log_problems index, which covers the rest
        JobLogEntry.objects.filter(problems, job=job, level__in=(LogLevel.ERROR, LogLevel.WARNING))
        .values("cause")
        .annotate(
            count=Count("id"),
            to_resend=Count("id", filter=Q(resent_in__isnull=True) & ~Q(record_ref="")),
            resent_in=Max("resent_in"),
        )
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
