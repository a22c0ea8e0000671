"""Recurring work: every N minutes, or daily at a local wall time in a time zone.

One periodic tick (every minute) runs `scheduler_tick`. A due run is claimed by inserting a
ScheduleRun row unique per (schedule, due_at): a second scheduler ticking at the same moment
fails that insert and enqueues nothing, so running two schedulers is harmless.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from bms.core.tz import next_local_time_utc
from bms.jobs.models import Job, Schedule, ScheduleRun
from bms.jobs.services import job_enqueue


def next_run_after(schedule: Schedule, after: datetime) -> datetime:
    if schedule.every_minutes:
        step = timedelta(minutes=schedule.every_minutes)
        # Missed slots collapse into one run: the job catches up on its own.
        due = schedule.next_run_at
        while due <= after:
            due += step
        return due
    return next_local_time_utc(after, schedule.at_local_time, schedule.time_zone)


def schedule_upsert(
    *,
    key: str,
    kind: str,
    description: str,
    params: dict | None = None,
    every_minutes: int | None = None,
    at_local_time: time | None = None,
    time_zone: str = "UTC",
    now: datetime | None = None,
) -> Schedule:
    """Create or update a schedule; the next run is recomputed when its timing changes."""
    if (every_minutes is None) == (at_local_time is None):
        raise ValueError("a schedule runs either every N minutes or daily at a local time")
    now = now or timezone.now()
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update().filter(key=key).first()
        timing_changed = (
            schedule is None
            or schedule.every_minutes != every_minutes
            or schedule.at_local_time != at_local_time
            or schedule.time_zone != time_zone
        )
        if schedule is None:
            schedule = Schedule(key=key)
        schedule.kind = kind
        schedule.description = description[:255]
        schedule.params = params or {}
        schedule.every_minutes = every_minutes
        schedule.at_local_time = at_local_time
        schedule.time_zone = time_zone
        if timing_changed:
            if every_minutes:
                schedule.next_run_at = now + timedelta(minutes=every_minutes)
            else:
                schedule.next_run_at = next_local_time_utc(now, at_local_time, time_zone)
        schedule.save()
    return schedule


def schedule_remove(*, key: str) -> None:
    Schedule.objects.filter(key=key).delete()


def scheduler_tick(*, now: datetime | None = None) -> list[Job]:
    """Enqueue every due run exactly once, however many schedulers tick."""
    now = now or timezone.now()
    enqueued = []
    for schedule in Schedule.objects.filter(is_enabled=True, next_run_at__lte=now):
        due_at = schedule.next_run_at
        try:
            with transaction.atomic():
                run = ScheduleRun.objects.create(schedule=schedule, due_at=due_at)
                Schedule.objects.filter(pk=schedule.pk, next_run_at=due_at).update(
                    next_run_at=next_run_after(schedule, now)
                )
                job = job_enqueue(
                    kind=schedule.kind,
                    description=schedule.description,
                    params=schedule.params,
                )
                run.job = job
                run.save(update_fields=["job"])
        except IntegrityError:
            continue  # another scheduler claimed this run first
        enqueued.append(job)
    return enqueued
