import pytest

from bms.jobs.models import Job, JobStatus
from bms.jobs.registry import UnknownJobKindError
from bms.jobs.services import JobRetryError, job_enqueue, job_retry, job_run
from bms.jobs.tests import kinds


@pytest.fixture(autouse=True)
def _reset_calls():
    kinds.CALLS.clear()


@pytest.mark.django_db(transaction=True)
def test_it_runs_an_enqueued_job_to_completion_with_full_progress(admin_user):
    job = job_enqueue(kind="tests.record", description="Push invoices", params={"items": 4}, requested_by=admin_user)
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    assert (job.progress_percent, job.done_items, job.total_items) == (100, 4, 4)
    assert job.requested_by == admin_user
    assert job.started_at and job.finished_at
    assert job.result == "Completed: 4 done"


@pytest.mark.django_db(transaction=True)
def test_it_keeps_a_job_completed_when_records_fail_and_counts_the_errors():
    job = job_enqueue(kind="tests.record", description="Push", params={"items": 5, "fail_items": [1, 3]})
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    assert job.error_count == 2
    assert job.result == "Completed: 5 done, 2 errors"
    assert list(job.log_entries.filter(level="error").values_list("record", flat=True)) == ["Invoice 1", "Invoice 3"]


@pytest.mark.django_db(transaction=True)
def test_it_marks_a_crashing_job_failed_with_its_error_and_retries_it_as_a_new_job(admin_user):
    job = job_enqueue(kind="tests.record", description="Push", params={"explode": True})
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "the ledger caught fire" in job.result
    assert "RuntimeError: the ledger caught fire" in job.log_entries.get(level="error").message
    retry = job_retry(job=job, requested_by=admin_user)
    retry.refresh_from_db()
    assert retry.retry_of == job and retry.params == job.params and retry.status == JobStatus.FAILED
    assert len(kinds.CALLS) == 2


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_retry_a_job_that_did_not_fail(admin_user):
    job = job_enqueue(kind="tests.record", description="Push")
    with pytest.raises(JobRetryError):
        job_retry(job=Job.objects.get(pk=job.pk), requested_by=admin_user)


@pytest.mark.django_db(transaction=True)
def test_it_runs_a_job_once_when_the_engine_delivers_it_twice():
    job = job_enqueue(kind="tests.record", description="Push")
    assert job_run(job_id=job.pk) is None  # the second delivery finds nothing to claim
    assert len(kinds.CALLS) == 1


@pytest.mark.django_db
def test_it_refuses_an_unknown_job_kind_before_writing_anything():
    with pytest.raises(UnknownJobKindError):
        job_enqueue(kind="nobody.registered.this", description="?")
    assert not Job.objects.exists()
