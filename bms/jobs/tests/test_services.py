import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from bms.jobs import engine, registry
from bms.jobs.models import Job, JobStatus
from bms.jobs.registry import UnknownJobKindError
from bms.jobs.services import (
    LOST_QUEUED_AFTER,
    UNEXPECTED_FAILURE,
    JobRetryError,
    job_enqueue,
    job_retry,
    job_run,
    jobs_recover,
    jobs_requeue_expired,
)
from bms.jobs.tests import kinds

pytestmark = pytest.mark.django_db(transaction=True)  # jobs start on commit


@pytest.fixture(autouse=True)
def _reset_calls():
    kinds.CALLS.clear()


def test_it_runs_an_enqueued_job_to_completion_with_full_progress(admin_user):
    job = job_enqueue(kind="tests.record", description="Push invoices", params={"items": 4}, requested_by=admin_user)
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    assert (job.progress_percent, job.done_items, job.total_items) == (100, 4, 4)
    assert job.requested_by == admin_user
    assert job.started_at and job.finished_at and job.attempts == 1
    assert job.result == "Completed: 4 done"


def test_it_ends_a_job_whose_records_fail_completed_with_errors_and_counts_them():
    job = job_enqueue(kind="tests.record", description="Push",
                      params={"items": 50, "fail_items": [1, 3], "warn_items": [4]})
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED_WITH_ERRORS
    assert (job.error_count, job.warning_count, job.progress_percent) == (2, 1, 100)
    assert job.result == "Completed: 50 done, 2 errors, 1 warning"
    assert list(job.log_entries.filter(level="error").values_list("record", flat=True)) == ["Invoice 1", "Invoice 3"]


def test_it_marks_a_crashing_job_failed_with_its_error_and_retries_it_as_a_new_job(admin_user):
    job = job_enqueue(kind="tests.record", description="Push", params={"items": 4, "explode": True})
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error_count == 1 and job.finished_at
    assert job.progress_percent == 99  # how far it got, not 100
    error = job.log_entries.get(level="error")
    # For people: plain words, no exception type, no source path. For admins: the detail.
    assert error.message == error.cause == UNEXPECTED_FAILURE
    assert job.result == f"Failed: {UNEXPECTED_FAILURE}"
    assert error.detail.startswith("RuntimeError: the ledger caught fire")
    assert "at bms/jobs/tests/kinds.py:" in error.detail  # where
    assert str(settings.BASE_DIR) not in error.detail and error.detail.count("ledger caught fire") == 1
    retry = job_retry(job=job, requested_by=admin_user)
    retry.refresh_from_db()
    assert retry.retry_of == job and retry.params == job.params and retry.kind == job.kind
    assert retry.requested_by == admin_user and retry.status == JobStatus.FAILED  # it ran, and failed again
    assert len(kinds.CALLS) == 2


def test_it_refuses_to_retry_a_job_that_did_not_fail(admin_user):
    job = job_enqueue(kind="tests.record", description="Push")
    with pytest.raises(JobRetryError):
        job_retry(job=Job.objects.get(pk=job.pk), requested_by=admin_user)


def test_it_runs_a_job_once_when_the_engine_delivers_it_twice():
    job = job_enqueue(kind="tests.record", description="Push")
    assert job_run(job_id=job.pk) is None  # the second delivery finds nothing to claim
    assert len(kinds.CALLS) == 1
    assert Job.objects.get(pk=job.pk).attempts == 1


def test_it_refuses_an_unknown_job_kind_before_writing_anything():
    with pytest.raises(UnknownJobKindError):
        job_enqueue(kind="nobody.registered.this", description="?")
    assert not Job.objects.exists()


def test_it_continues_a_waiting_job_in_a_new_run_at_the_given_time():
    until = timezone.now() + timedelta(hours=3)
    job = job_enqueue(kind="tests.wait", description="Push", params={"until": until.isoformat()})
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and "continues automatically" in job.result
    assert job.warning_count == 1
    follow_up = Job.objects.get(retry_of=job)
    assert follow_up.status == JobStatus.QUEUED and follow_up.not_before_at == until


def test_a_waiting_job_says_when_it_continues_in_its_entitys_time_not_utc():
    until = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)  # 09:00 the next morning in Sydney (AEDT, +11)
    job = job_enqueue(kind="tests.wait", description="Push",
                      params={"until": until.isoformat(), "time_zone": "Australia/Sydney"})
    job.refresh_from_db()
    assert job.result.endswith("continues automatically at 6 Dec 2026 09:00 AEDT")
    assert "UTC" not in job.result


def test_it_keeps_the_job_queued_when_the_engine_is_down(monkeypatch):
    def engine_down(job_id, *, eta=None):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(engine, "dispatch", engine_down)
    job = job_enqueue(kind="tests.record", description="Push")  # the caller sees no error
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED


def test_it_sends_a_lost_job_again_once_the_engine_is_idle(monkeypatch):
    sent = []
    monkeypatch.setattr(engine, "dispatch", lambda job_id, *, eta=None: sent.append(job_id))
    lost = job_enqueue(kind="tests.record", description="Lost")
    waiting = job_enqueue(kind="tests.record", description="Waits", eta=timezone.now() + timedelta(hours=2))
    sent.clear()
    later = timezone.now() + LOST_QUEUED_AFTER + timedelta(minutes=1)
    monkeypatch.setattr(engine, "engine_is_idle", lambda: False)
    assert jobs_recover(now=later) == {"requeued": 0, "failed": 0, "resent": 0}  # messages still waiting in the engine
    monkeypatch.setattr(engine, "engine_is_idle", lambda: True)
    assert jobs_recover(now=later) == {"requeued": 0, "failed": 0, "resent": 1}
    assert sent == [lost.pk]  # not the one that waits on purpose
    assert waiting.pk not in sent


def test_it_requeues_a_job_whose_worker_died_and_another_run_completes_it():
    lease = timedelta(seconds=settings.BMS_JOB_LEASE_S)
    started = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    dead = Job.objects.create(kind="tests.record", description="Push", status=JobStatus.WORKING, attempts=1,
                              started_at=started, heartbeat_at=started)
    alive = Job.objects.create(kind="tests.record", description="Busy", status=JobStatus.WORKING, attempts=1,
                               started_at=started, heartbeat_at=started + lease)
    with time_machine.travel(started + lease + timedelta(seconds=1), tick=False):
        assert jobs_recover() == {"requeued": 1, "failed": 0, "resent": 0}
    dead.refresh_from_db()
    # The engine (immediate in tests) ran it again at once: a second attempt, completed.
    assert (dead.status, dead.attempts) == (JobStatus.COMPLETED, 2)
    assert dead.log_entries.get(level="warning").cause == "worker stopped"
    assert Job.objects.get(pk=alive.pk).status == JobStatus.WORKING


def test_it_fails_a_job_whose_worker_died_too_often_so_it_can_be_re_triggered(admin_user):
    started = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    job = Job.objects.create(kind="tests.record", description="Push", status=JobStatus.WORKING,
                             attempts=settings.BMS_JOB_MAX_ATTEMPTS, started_at=started, heartbeat_at=started)
    with time_machine.travel(started + timedelta(hours=1), tick=False):
        assert jobs_requeue_expired() == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "worker stopped" in job.result
    assert job.log_entries.get(level="error").cause == "worker stopped"
    retry = job_retry(job=job, requested_by=admin_user)
    assert Job.objects.get(pk=retry.pk).status == JobStatus.COMPLETED


def test_a_running_job_renews_its_lease_and_the_late_finish_of_a_taken_over_run_changes_nothing(monkeypatch):
    monkeypatch.setattr(settings, "BMS_JOB_HEARTBEAT_S", 0.05)
    first_beat = []
    release, renewed = threading.Event(), threading.Event()

    def slow(ctx):
        first_beat.append(Job.objects.get(pk=ctx.job.pk).heartbeat_at)
        release.wait(10)

    monkeypatch.setitem(registry._HANDLERS, "tests.slow", slow)
    job = Job.objects.create(kind="tests.slow", description="Slow")
    runner = threading.Thread(target=job_run, kwargs={"job_id": job.pk})
    runner.start()
    for _ in range(500):  # poll the database for the renewed heartbeat (no sleeping in tests)
        job.refresh_from_db()
        if first_beat and job.heartbeat_at > first_beat[0]:
            renewed.set()
            break
        renewed.wait(0.01)
    assert renewed.is_set()
    # Another worker took the job over (a second claim): the first run's finish must not overwrite it.
    Job.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1)
    release.set()
    runner.join(10)
    job.refresh_from_db()
    assert job.status == JobStatus.WORKING and job.finished_at is None


def test_it_ends_a_job_green_only_when_every_record_went_through():
    clean = job_enqueue(kind="tests.record", description="Push", params={"items": 3, "warn_items": [1]})
    held = job_enqueue(kind="tests.record", description="Push", params={"items": 3, "hold_items": [2]})
    assert Job.objects.get(pk=clean.pk).status == JobStatus.COMPLETED  # a note is not a failed record
    assert Job.objects.get(pk=held.pk).status == JobStatus.COMPLETED_WITH_ERRORS  # a held record is


def test_it_words_a_failure_meant_for_people_as_it_is():
    job = job_enqueue(kind="tests.record", description="Push", params={"refuse": "Invoice AU-1 is a draft."})
    job.refresh_from_db()
    error = job.log_entries.get(level="error")
    assert job.status == JobStatus.FAILED and job.result == "Failed: Invoice AU-1 is a draft."
    assert error.message == error.cause == "Invoice AU-1 is a draft."
    assert "DomainError" in error.detail and "DomainError" not in error.message


def test_it_says_on_the_queued_run_what_it_waits_for(admin_user):
    until = (timezone.now() + timedelta(hours=2)).isoformat()
    job = job_enqueue(kind="tests.wait", description="Push", params={"until": until})
    later = Job.objects.get(retry_of=job)
    assert later.status == JobStatus.QUEUED and later.not_before_at is not None
    assert later.result == "Xero's daily limit for Acme is used up"
