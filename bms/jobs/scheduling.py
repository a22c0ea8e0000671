"""Recurring work: every N minutes, or daily at a local wall time in a time zone.

One periodic tick (every minute) runs `scheduler_tick`. A due run is claimed by inserting a
ScheduleRun row unique per (schedule, due_at): a second scheduler ticking at the same moment
fails that insert and enqueues nothing, so running two schedulers is harmless.

`next_run_at` is stored in UTC; a daily schedule's wall time is converted in its own zone for each
run, so "01:00 Australia/Sydney" stays 01:00 local across daylight-saving changes.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from bms.core.tz import next_local_time_utc, zone
from bms.jobs.models import Job, Schedule, ScheduleRun
from bms.jobs.registry import is_registered, schedule_providers
from bms.jobs.services import job_enqueue

logger = logging.getLogger(__name__)


def next_run_after(schedule: Schedule, after: datetime) -> datetime:
    """The first slot of `schedule` strictly after `after`."""
    if schedule.every_minutes:
        # Interval slots stay on their grid (start + k·step); missed slots collapse into one run,
        # and the job catches up on its own. Arithmetic, not a loop: a worker that was off for a
        # year must not step through half a million minutes.
        step = timedelta(minutes=schedule.every_minutes)
        due = schedule.next_run_at
        if due > after:
            return due
        return due + step * ((after - due) // step + 1)
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
    """Create or update a schedule; the next run is recomputed only when its timing changes, and
    nothing is written when nothing changed (providers call this every minute)."""
    if (every_minutes is None) == (at_local_time is None):
        raise ValueError("a schedule runs either every N minutes or daily at a local time")
    if every_minutes is not None and every_minutes < 1:
        raise ValueError("a schedule's interval is at least one minute")
    zone(time_zone)  # an unknown zone is refused here, not at 01:00 in the scheduler
    now = now or timezone.now()
    wanted = {"kind": kind, "description": description[:255], "params": params or {},
              "every_minutes": every_minutes, "at_local_time": at_local_time, "time_zone": time_zone}
    try:
        return _upsert(key, wanted, now)
    except IntegrityError:
        # Two schedulers starting together both created it; the row now exists, so update it.
        return _upsert(key, wanted, now)


def _upsert(key: str, wanted: dict, now: datetime) -> Schedule:
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update().filter(key=key).first()
        if schedule is not None and all(getattr(schedule, name) == value for name, value in wanted.items()):
            return schedule
        timing_changed = schedule is None or any(
            getattr(schedule, name) != wanted[name] for name in ("every_minutes", "at_local_time", "time_zone")
        )
        schedule = schedule or Schedule(key=key)
        for name, value in wanted.items():
            setattr(schedule, name, value)
        if timing_changed:
            if schedule.every_minutes:
                schedule.next_run_at = now + timedelta(minutes=schedule.every_minutes)
            else:
                schedule.next_run_at = next_local_time_utc(now, schedule.at_local_time, schedule.time_zone)
        schedule.save()
    return schedule


def schedule_remove(*, key: str) -> None:
    Schedule.objects.filter(key=key).delete()


def schedules_ensure() -> None:
    """Let every app create or update its schedules (see `registry.schedule_provider`).

    One app's broken provider must not stop the others, nor the scheduler: it is logged."""
    for provider in schedule_providers():
        try:
            provider()
        except Exception:
            logger.exception("schedule provider %s failed", provider.__qualname__)


class _AlreadyMoved(Exception):
    """Raised inside the claim transaction to undo it: another scheduler moved the schedule on."""


def scheduler_tick(*, now: datetime | None = None) -> list[Job]:
    """Enqueue every due run exactly once, however many schedulers tick."""
    now = now or timezone.now()
    enqueued = []
    for schedule in Schedule.objects.filter(is_enabled=True, next_run_at__lte=now):
        if not is_registered(schedule.kind):
            # Not claimed, so a scheduler that knows the kind (a newer release during a rolling
            # deploy) still runs it.
            logger.warning("schedule %s: job kind %r is not registered in this process", schedule.key, schedule.kind)
            continue
        job = _claim_and_enqueue(schedule, now)
        if job is not None:
            enqueued.append(job)
    return enqueued


def _claim_and_enqueue(schedule: Schedule, now: datetime) -> Job | None:
    due_at = schedule.next_run_at
    try:
        with transaction.atomic():
            # The claim: unique per (schedule, due_at). A concurrent scheduler blocks here until the
            # first commits, then fails the insert.
            run = ScheduleRun.objects.create(schedule=schedule, due_at=due_at)
            moved = Schedule.objects.filter(pk=schedule.pk, next_run_at=due_at).update(
                next_run_at=next_run_after(schedule, now)
            )
            if not moved:
                raise _AlreadyMoved
            run.job = job_enqueue(kind=schedule.kind, description=schedule.description, params=schedule.params)
            run.save(update_fields=["job"])
    except (IntegrityError, _AlreadyMoved):
        return None  # another scheduler claimed this run first
    return run.job
