from datetime import time, timedelta

import pytest
from django.utils import timezone

from bms.jobs.job_kinds import prune_logs_schedule
from bms.jobs.models import Job, JobLogEntry, JobStatus, Schedule, ScheduleRun
from bms.jobs.services import job_enqueue

pytestmark = pytest.mark.django_db(transaction=True)  # jobs start on commit


def _finished_job(days_ago: int) -> Job:
    job = Job.objects.create(kind="tests.record", description=f"{days_ago} days ago", status=JobStatus.COMPLETED,
                             finished_at=timezone.now() - timedelta(days=days_ago))
    for level in ("info", "warning", "error"):
        JobLogEntry.objects.create(job=job, level=level, message=level)
    return job


def test_it_prunes_old_info_lines_and_keeps_errors_warnings_and_recent_logs():
    old, recent = _finished_job(120), _finished_job(10)
    schedule = Schedule.objects.create(key="k", kind="tests.record", description="k", every_minutes=5,
                                       next_run_at=timezone.now())
    ScheduleRun.objects.create(schedule=schedule, due_at=timezone.now() - timedelta(days=120))
    ScheduleRun.objects.create(schedule=schedule, due_at=timezone.now() - timedelta(days=1))
    job = job_enqueue(kind="jobs.prune_logs", description="Tidy old job logs", params={"keep_days": 90})
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    assert job.result == "Completed: removed 1 info log lines and 1 schedule runs older than 90 days"
    assert sorted(old.log_entries.values_list("level", flat=True)) == ["error", "warning"]
    assert recent.log_entries.count() == 3
    assert ScheduleRun.objects.count() == 1


def test_it_schedules_the_pruning_nightly():
    prune_logs_schedule()
    prune_logs_schedule()  # idempotent: it runs before every tick
    schedule = Schedule.objects.get(key="jobs.prune_logs")
    assert (schedule.kind, schedule.at_local_time, schedule.time_zone) == ("jobs.prune_logs", time(3, 30), "UTC")
    assert schedule.next_run_at > timezone.now()
