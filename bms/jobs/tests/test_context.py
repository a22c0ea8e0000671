import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bms.jobs.context import JobContext
from bms.jobs.models import Job, JobStatus


@pytest.fixture
def running_job(db):
    return Job.objects.create(kind="tests.record", description="Push", status=JobStatus.WORKING)


def test_it_does_not_write_progress_for_every_record(running_job):
    context = JobContext(running_job)
    context.set_total(2000)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(2000):
            context.advance()
    updates = [query for query in queries if query["sql"].startswith("UPDATE")]
    assert len(updates) < 10  # one a second at most, not 2,000
    context.flush()
    running_job.refresh_from_db()
    assert (running_job.done_items, running_job.progress_percent) == (2000, 99)  # 100 % is for a finished job


def test_it_logs_per_record_errors_with_their_cause_and_counts_them(running_job):
    context = JobContext(running_job)
    context.error("Invoice 7 refused: account 41110 is archived", record="INV-7", cause="archived account 41110")
    context.warning("Customer has no email", record="C-1")
    context.error("Something odd")
    context.flush()
    running_job.refresh_from_db()
    assert (running_job.error_count, running_job.warning_count) == (2, 1)
    lines = list(running_job.log_entries.values_list("level", "record", "cause"))
    assert lines == [("error", "INV-7", "archived account 41110"), ("warning", "C-1", ""),
                     ("error", "", "Something odd")]


def test_it_summarises_what_it_did(running_job):
    context = JobContext(running_job)
    assert context.summary() == "Completed"
    context.set_total(50)
    context.advance(50)
    context.error("x")
    context.error("y")
    context.warning("z")
    assert context.summary() == "Completed: 50 done, 2 errors, 1 warning"
