from datetime import UTC, datetime, time, timedelta

import pytest

from bms.jobs.models import Schedule, ScheduleRun
from bms.jobs.scheduling import schedule_upsert, scheduler_tick

NOW = datetime(2026, 10, 3, 12, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_it_runs_an_interval_schedule_when_due_and_moves_to_the_next_slot():
    schedule = schedule_upsert(key="k", kind="tests.record", description="Every 15", every_minutes=15, now=NOW)
    assert schedule.next_run_at == NOW + timedelta(minutes=15)
    assert scheduler_tick(now=NOW + timedelta(minutes=14)) == []
    jobs = scheduler_tick(now=NOW + timedelta(minutes=15))
    assert len(jobs) == 1
    schedule.refresh_from_db()
    assert schedule.next_run_at == NOW + timedelta(minutes=30)


@pytest.mark.django_db(transaction=True)
def test_it_collapses_missed_interval_slots_into_one_run():
    schedule_upsert(key="k", kind="tests.record", description="Every 15", every_minutes=15, now=NOW)
    jobs = scheduler_tick(now=NOW + timedelta(hours=2, minutes=1))
    assert len(jobs) == 1
    assert Schedule.objects.get(key="k").next_run_at == NOW + timedelta(hours=2, minutes=15)


@pytest.mark.django_db
def test_it_runs_a_daily_schedule_at_the_local_wall_time_across_a_dst_change():
    # Sydney moves to daylight time at 02:00 on Sunday 4 October 2026 (UTC+10 → UTC+11).
    schedule = schedule_upsert(
        key="nightly", kind="tests.record", description="Nightly", at_local_time=time(1, 0),
        time_zone="Australia/Sydney", now=NOW,
    )
    assert schedule.next_run_at == datetime(2026, 10, 3, 15, 0, tzinfo=UTC)  # 01:00 AEST on 4 Oct
    from bms.jobs.scheduling import next_run_after

    following = next_run_after(schedule, schedule.next_run_at)
    assert following == datetime(2026, 10, 4, 14, 0, tzinfo=UTC)  # 01:00 AEDT on 5 Oct: 23 h later


@pytest.mark.django_db
def test_it_recomputes_the_next_run_only_when_the_timing_changes():
    first = schedule_upsert(key="k", kind="tests.record", description="A", every_minutes=15, now=NOW)
    again = schedule_upsert(key="k", kind="tests.record", description="B", every_minutes=15,
                            now=NOW + timedelta(minutes=10))
    assert again.next_run_at == first.next_run_at and again.description == "B"
    changed = schedule_upsert(key="k", kind="tests.record", description="B", every_minutes=60,
                              now=NOW + timedelta(minutes=10))
    assert changed.next_run_at == NOW + timedelta(minutes=70)


@pytest.mark.django_db(transaction=True)
def test_it_enqueues_a_due_run_once_when_ticked_twice_for_the_same_slot():
    schedule_upsert(key="k", kind="tests.record", description="Every 15", every_minutes=15, now=NOW)
    due = NOW + timedelta(minutes=15)
    schedule = Schedule.objects.get(key="k")
    first = scheduler_tick(now=due)
    # A second scheduler read the schedule before the first moved it on: it tries the same slot.
    Schedule.objects.filter(pk=schedule.pk).update(next_run_at=due)
    second = scheduler_tick(now=due)
    assert len(first) == 1 and second == []
    assert ScheduleRun.objects.count() == 1


def test_it_refuses_a_schedule_that_is_both_interval_and_daily():
    with pytest.raises(ValueError):
        schedule_upsert(key="k", kind="x", description="x", every_minutes=5, at_local_time=time(1, 0))
