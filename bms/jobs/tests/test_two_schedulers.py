"""Two schedulers ticking the same due schedules at once: two processes on a real SQLite file (the
embedded default, with its WAL and IMMEDIATE settings), and two threads on the test database."""

import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from bms.jobs.models import Job, ScheduleRun
from bms.jobs.scheduling import schedule_upsert, scheduler_tick
from bms.testing.processes import WAIT_FOR_GO, bms_process, start_together

ROOT = Path(__file__).resolve().parents[3]

SETUP = """
from datetime import UTC, datetime, timedelta
from bms.jobs.scheduling import schedule_upsert
start = datetime(2026, 1, 1, tzinfo=UTC)
for n in range(20):
    schedule_upsert(key=f"s{n}", kind="jobs.prune_logs", description=f"S{n}", every_minutes=5, now=start)
"""

# Both processes get ready, then wait for the test's "go" so their ticks overlap for real.
TICK = WAIT_FOR_GO + """
from datetime import UTC, datetime, timedelta
from bms.jobs.scheduling import scheduler_tick
due = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=5)
print(len(scheduler_tick(now=due)))
"""


@pytest.mark.slow
def test_it_enqueues_each_due_run_once_with_two_schedulers_ticking_at_once(tmp_path):
    bms_process(tmp_path, "migrate", "--no-input", "-v", "0")
    bms_process(tmp_path, code=SETUP)
    schedulers = [bms_process(tmp_path, code=TICK, wait=False) for _ in range(2)]
    start_together(schedulers)
    claimed = []
    for process in schedulers:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        claimed.append(int(out.strip().splitlines()[-1]))
    database = sqlite3.connect(tmp_path / "bms.sqlite3")
    runs = database.execute("select count(*), count(distinct schedule_id) from jobs_schedulerun").fetchone()
    jobs = database.execute("select count(*) from jobs_job").fetchone()[0]
    assert sum(claimed) == 20
    assert runs == (20, 20)
    assert jobs == 20


@pytest.mark.django_db(transaction=True)
def test_it_enqueues_each_due_run_once_with_two_scheduler_threads_on_the_test_database():
    # The same race on the suite's own database: PostgreSQL in the second pass of `make test`. SQLite's
    # in-memory test database is shared-cache, whose table locks do not wait: the test above covers SQLite.
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("an in-memory SQLite database cannot be shared by threads; see the two-process test")
    start = timezone.now() - timedelta(minutes=10)
    for n in range(20):
        schedule_upsert(key=f"s{n}", kind="tests.record", description=f"S{n}", params={"items": 0},
                        every_minutes=5, now=start)
    barrier = threading.Barrier(2)
    claimed, failures = [], []

    def tick():
        try:
            barrier.wait(timeout=30)
            claimed.append(len(scheduler_tick()))
        except Exception as exc:  # noqa: BLE001 (surfaced below: an exception in a thread does not fail the test)
            failures.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert sum(claimed) == 20
    assert ScheduleRun.objects.count() == 20 and ScheduleRun.objects.values("schedule").distinct().count() == 20
    assert Job.objects.count() == 20
