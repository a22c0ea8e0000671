"""Two people press Re-send on the same cause at the same moment: one re-send job, each record in it
once. Run on the suite's own database from two threads: PostgreSQL in the second pass of
`make test` (SQLite's in-memory test database is shared-cache, whose table locks do not wait)."""

import threading

import pytest
from django.db import connection

from bms.jobs.models import Job, JobLogEntry
from bms.jobs.resend import ResendError, job_resend
from bms.jobs.services import job_enqueue

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_simultaneous_re_sends_of_one_cause_queue_one_job(admin_user, finance_user):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("an in-memory SQLite database cannot be shared by threads")
    job = job_enqueue(kind="tests.record", description="Push", params={"items": 8, "fail_items": [1, 2, 5]})
    job = Job.objects.get(pk=job.pk)
    barrier = threading.Barrier(2)
    made, refused, failures = [], [], []

    def press(user):
        try:
            barrier.wait(timeout=30)
            made.append(job_resend(job=job, requested_by=user, cause="archived account 41110").pk)
        except ResendError as exc:
            refused.append(str(exc))
        except Exception as exc:  # noqa: BLE001 (surfaced below: an exception in a thread does not fail the test)
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(user,)) for user in (admin_user, finance_user)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert len(made) == 1 and refused == [f"These records were already re-sent as job #{made[0]}."]
    assert list(Job.objects.filter(retry_of=job).values_list("pk", flat=True)) == made
    assert set(JobLogEntry.objects.filter(job=job, level="error").values_list("resent_in", flat=True)) == {made[0]}
