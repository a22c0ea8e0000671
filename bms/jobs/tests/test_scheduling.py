from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bms.jobs import registry
from bms.jobs.models import Job, Schedule, ScheduleRun
from bms.jobs.scheduling import next_run_after, schedule_remove, schedule_upsert, scheduler_tick, schedules_ensure

NOW = datetime(2026, 10, 3, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db(transaction=True)  # a tick commits each claim on its own


def test_it_runs_an_interval_schedule_when_due_and_moves_to_the_next_slot():
    schedule = schedule_upsert(key="k", kind="tests.record", description="Every 15", every_minutes=15, now=NOW)
    assert schedule.next_run_at == NOW + timedelta(minutes=15)
    assert scheduler_tick(now=NOW + timedelta(minutes=14)) == []
    jobs = scheduler_tick(now=NOW + timedelta(minutes=15))
    assert [job.description for job in jobs] == ["Every 15"]
    assert jobs[0].requested_by is None  # the system asked
    schedule.refresh_from_db()
    assert schedule.next_run_at == NOW + timedelta(minutes=30)
    run = ScheduleRun.objects.get()
    assert (run.due_at, run.job) == (NOW + timedelta(minutes=15), jobs[0])


def test_it_collapses_missed_interval_slots_into_one_run():
    schedule_upsert(key="k", kind="tests.record", description="Every 15", every_minutes=15, now=NOW)
    jobs = scheduler_tick(now=NOW + timedelta(hours=2, minutes=1))
    assert len(jobs) == 1
    assert Schedule.objects.get(key="k").next_run_at == NOW + timedelta(hours=2, minutes=15)


def test_it_finds_the_next_slot_after_a_long_outage_without_stepping_through_each():
    schedule = Schedule(key="k", kind="x", description="x", every_minutes=1, next_run_at=NOW)
    assert next_run_after(schedule, NOW + timedelta(days=365, seconds=30)) == NOW + timedelta(days=365, minutes=1)
    assert next_run_after(schedule, NOW - timedelta(minutes=5)) == NOW


def test_it_runs_a_daily_schedule_at_the_local_wall_time_across_a_dst_change():
    # Sydney moves to daylight time at 02:00 on Sunday 4 October 2026 (UTC+10 → UTC+11).
    schedule = schedule_upsert(
        key="nightly", kind="tests.record", description="Nightly", at_local_time=time(1, 0),
        time_zone="Australia/Sydney", now=NOW,
    )
    assert schedule.next_run_at == datetime(2026, 10, 3, 15, 0, tzinfo=UTC)  # 01:00 AEST on 4 Oct
    assert len(scheduler_tick(now=datetime(2026, 10, 3, 15, 0, 30, tzinfo=UTC))) == 1
    schedule.refresh_from_db()
    assert schedule.next_run_at == datetime(2026, 10, 4, 14, 0, tzinfo=UTC)  # 01:00 AEDT on 5 Oct: 23 h later


def test_it_runs_a_daily_schedule_once_on_the_night_the_clocks_go_back():
    # Sydney leaves daylight time at 03:00 on Sunday 5 April 2026: 02:30 happens twice; it runs at the first.
    schedule = schedule_upsert(
        key="nightly", kind="tests.record", description="Nightly", at_local_time=time(2, 30),
        time_zone="Australia/Sydney", now=datetime(2026, 4, 4, 12, 0, tzinfo=UTC),
    )
    assert schedule.next_run_at == datetime(2026, 4, 4, 15, 30, tzinfo=UTC)  # 02:30 AEDT
    scheduler_tick(now=schedule.next_run_at)
    schedule.refresh_from_db()
    assert schedule.next_run_at == datetime(2026, 4, 5, 16, 30, tzinfo=UTC)  # 02:30 AEST on 6 April, not 02:30 again


def test_it_recomputes_the_next_run_only_when_the_timing_changes():
    first = schedule_upsert(key="k", kind="tests.record", description="A", every_minutes=15, now=NOW)
    again = schedule_upsert(key="k", kind="tests.record", description="B", every_minutes=15,
                            now=NOW + timedelta(minutes=10))
    assert again.next_run_at == first.next_run_at and again.description == "B"
    changed = schedule_upsert(key="k", kind="tests.record", description="B", every_minutes=60,
                              now=NOW + timedelta(minutes=10))
    assert changed.next_run_at == NOW + timedelta(minutes=70)


def test_it_writes_nothing_when_a_schedule_is_already_as_wanted():
    # Providers run before every tick: an unchanged schedule must cost one read, not a write a minute.
    schedule_upsert(key="k", kind="tests.record", description="A", every_minutes=15, now=NOW)
    with CaptureQueriesContext(connection) as queries:
        schedule_upsert(key="k", kind="tests.record", description="A", every_minutes=15, now=NOW)
    assert not [query for query in queries if query["sql"].startswith(("UPDATE", "INSERT"))]


def test_it_enqueues_a_due_run_once_when_ticked_twice_for_the_same_slot():
    schedule_upsert(key="k", kind="tests.record", description="Every 15", every_minutes=15, now=NOW)
    due = NOW + timedelta(minutes=15)
    schedule = Schedule.objects.get(key="k")
    first = scheduler_tick(now=due)
    # A second scheduler read the schedule before the first moved it on: it tries the same slot.
    Schedule.objects.filter(pk=schedule.pk).update(next_run_at=due)
    second = scheduler_tick(now=due)
    assert len(first) == 1 and second == []
    assert ScheduleRun.objects.count() == 1 and Job.objects.count() == 1


def test_it_leaves_a_schedule_of_an_unknown_kind_unclaimed_for_a_scheduler_that_knows_it():
    schedule_upsert(key="new", kind="added.in.next.release", description="New", every_minutes=5, now=NOW)
    schedule_upsert(key="k", kind="tests.record", description="Known", every_minutes=5, now=NOW)
    jobs = scheduler_tick(now=NOW + timedelta(minutes=5))
    assert [job.description for job in jobs] == ["Known"]
    assert Schedule.objects.get(key="new").next_run_at == NOW + timedelta(minutes=5)  # still due
    assert not ScheduleRun.objects.filter(schedule__key="new").exists()


def test_it_skips_disabled_schedules():
    schedule_upsert(key="k", kind="tests.record", description="Off", every_minutes=5, now=NOW)
    Schedule.objects.filter(key="k").update(is_enabled=False)
    assert scheduler_tick(now=NOW + timedelta(hours=1)) == []


def test_it_removes_a_schedule():
    schedule_upsert(key="k", kind="tests.record", description="A", every_minutes=5, now=NOW)
    schedule_remove(key="k")
    assert not Schedule.objects.exists()


def test_it_refuses_a_schedule_that_is_both_interval_and_daily_or_in_an_unknown_zone():
    with pytest.raises(ValueError):
        schedule_upsert(key="k", kind="x", description="x", every_minutes=5, at_local_time=time(1, 0))
    with pytest.raises(ValueError):
        schedule_upsert(key="k", kind="x", description="x", every_minutes=0)
    with pytest.raises(ValueError):
        schedule_upsert(key="k", kind="x", description="x", at_local_time=time(1, 0), time_zone="Mars/Olympus")
    assert not Schedule.objects.exists()


def test_it_ensures_every_apps_schedules_even_when_one_provider_fails(monkeypatch):
    def broken():
        raise RuntimeError("settings table missing")

    def working():
        schedule_upsert(key="ok", kind="tests.record", description="OK", every_minutes=5)

    monkeypatch.setattr(registry, "_SCHEDULE_PROVIDERS", [broken, working])
    schedules_ensure()
    assert Schedule.objects.filter(key="ok").exists()
