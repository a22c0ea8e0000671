"""The nightly journal schedule: one per entity at its local run time, run by the foundation's
scheduler; never two journals for one (entity, day), even with two schedulers."""

import threading
from datetime import date, time

import pytest
from django.db import connection

from bms.cogs.job_kinds import KIND
from bms.cogs.models import CostOfSalesJournal, JournalCursor
from bms.jobs.models import Job, JobStatus, Schedule
from bms.jobs.scheduling import scheduler_tick, schedules_ensure
from bms.jobs.services import job_run
from bms.preferences.models import GeneralSettings
from bms.testing import factories as f
from bms.testing.journals import D, journal_chart, local, shipped


@pytest.mark.django_db
def test_each_entity_gets_its_own_schedule_at_the_nightly_time_in_its_own_time_zone():
    f.entity("AU", time_zone="Australia/Sydney")
    f.entity("NZ", time_zone="Pacific/Auckland")
    GeneralSettings.objects.update_or_create(pk=1, defaults={"journal_run_local_time": time(2, 30)})
    schedules_ensure()
    schedules = {s.params["entity_id"]: s for s in Schedule.objects.filter(kind=KIND)}
    assert len(schedules) == 2
    assert {(s.at_local_time, s.time_zone) for s in schedules.values()} == {
        (time(2, 30), "Australia/Sydney"), (time(2, 30), "Pacific/Auckland")}


@pytest.mark.django_db
def test_the_nightly_run_builds_the_previous_day_and_catches_up_missed_nights(time_machine):
    journal_chart()
    au = f.entity("AU", time_zone="Australia/Sydney")
    lathe = f.product(unit_cost="10.0000")
    for day in (20, 21, 22):
        shipped(au, local(f"2026-04-{day} 12:00"), (lathe, 1))
    JournalCursor.objects.create(entity=au, built_through_on=date(2026, 4, 19))
    time_machine.move_to(local("2026-04-21 00:30"), tick=False)
    schedules_ensure()
    # The scheduler was off on the nights of the 21st and 22nd; it comes back at 01:05 on the 23rd.
    time_machine.move_to(local("2026-04-23 01:05"), tick=False)
    [job] = [j for j in scheduler_tick() if j.kind == KIND]
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED, job.result
    assert "3 journals built" in job.result
    assert sorted(CostOfSalesJournal.objects.values_list("journaled_on", flat=True)) == [
        date(2026, 4, 20), date(2026, 4, 21), date(2026, 4, 22)]
    assert [j for j in scheduler_tick() if j.kind == KIND] == []  # the next run is tomorrow at 01:00


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_ticking_at_once_make_one_journal_per_entity_and_day(time_machine):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("an in-memory SQLite database cannot be shared by threads; PostgreSQL runs this")
    journal_chart()
    entities = [f.entity(code, time_zone=tz) for code, tz in (("AU", "Australia/Sydney"), ("NZ", "Pacific/Auckland"))]
    lathe = f.product(unit_cost="10.0000")
    for entity in entities:
        for day in (21, 22):
            shipped(entity, local(f"2026-04-{day} 12:00", entity.time_zone), (lathe, 2))
        JournalCursor.objects.create(entity=entity, built_through_on=date(2026, 4, 20))
    time_machine.move_to(local("2026-04-22 00:30"), tick=False)
    schedules_ensure()
    time_machine.move_to(local("2026-04-24 03:00"), tick=False)
    barrier = threading.Barrier(2)
    failures = []

    def tick():
        try:
            barrier.wait(timeout=30)
            scheduler_tick()  # the engine runs each job in this thread (immediate mode in tests)
        except Exception as exc:  # noqa: BLE001 (surfaced below: an exception in a thread does not fail the test)
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert Job.objects.filter(kind=KIND).count() == 2  # one per entity
    rows = list(CostOfSalesJournal.objects.values_list("entity__code", "journaled_on", "debit_amount"))
    assert sorted(rows) == sorted((e.code, date(2026, 4, d), D("20.00")) for e in entities for d in (21, 22, 23)
                                  if d < 23)


@pytest.mark.django_db(transaction=True)
def test_two_builders_racing_for_the_same_entity_make_each_journal_once():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("an in-memory SQLite database cannot be shared by threads; PostgreSQL runs this")
    from bms.cogs.services import journals_build_due

    journal_chart()
    au = f.entity("AU", time_zone="Australia/Sydney")
    lathe = f.product(unit_cost="10.0000")
    for day in range(1, 11):
        shipped(au, local(f"2026-04-{day:02d} 12:00"), (lathe, day))
    barrier = threading.Barrier(2)
    failures = []

    def build():
        try:
            barrier.wait(timeout=30)
            journals_build_due(entity=au, now=local("2026-04-11 01:00"))
        except Exception as exc:  # noqa: BLE001 (surfaced below: an exception in a thread does not fail the test)
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=build) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert CostOfSalesJournal.objects.count() == 10
    assert sum(j.debit_amount for j in CostOfSalesJournal.objects.all()) == D("550.00")
