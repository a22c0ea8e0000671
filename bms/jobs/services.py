"""Background jobs: the engine-agnostic API every app uses.

A Job row is written first and the engine (Huey) only carries its id, so every run is visible on
Admin → Background Jobs from the moment it is asked for, whatever happens to the engine.

    job_enqueue(kind="xero.invoices.push", description="Push invoices to Acme", params={"tenant_id": 3},
                requested_by=request.user)
"""

from __future__ import annotations

import logging
import traceback
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from bms.core.audit import audit_record
from bms.core.heartbeat import beating
from bms.core.tz import local_text
from bms.jobs import engine
from bms.jobs.context import JobContext
from bms.jobs.models import Job, JobLogEntry, JobStatus, LogLevel
from bms.jobs.registry import handler_for

logger = logging.getLogger(__name__)

# A Queued job this old while the engine holds no message has lost its message: send it again.
LOST_QUEUED_AFTER = timedelta(minutes=5)
FAILURE_FRAMES = 3  # innermost frames of a crash kept in the job's log


class JobRetryError(Exception):
    pass


class JobWaitError(Exception):
    """Raised by a handler whose work must wait (e.g. for Xero's limit): the job ends as
    Completed with a note, and a new run is scheduled for `eta`."""

    def __init__(self, message: str, *, eta: datetime, time_zone: str | None = None):
        super().__init__(message)
        self.message = message
        self.eta = eta
        # The zone the job's reader lives in (its entity's); the instance's default zone otherwise.
        self.time_zone = time_zone or settings.TIME_ZONE


def job_enqueue(
    *,
    kind: str,
    description: str,
    params: dict | None = None,
    requested_by=None,
    eta: datetime | None = None,
    retry_of: Job | None = None,
) -> Job:
    """Write a Queued job and hand its id to the engine once the row is committed."""
    handler_for(kind)  # fail now, in the caller, for a kind nobody registered
    job = Job.objects.create(
        kind=kind,
        description=description[:255],
        params=params or {},
        requested_by=requested_by if getattr(requested_by, "pk", None) else None,
        retry_of=retry_of,
        not_before_at=eta if eta is not None and eta > timezone.now() else None,
    )
    # After commit, or a fast worker could look for a row it cannot see yet. Robust: an engine that
    # is down must not turn the caller's committed work into an error page; the job stays Queued
    # and `jobs_recover` sends it again once the engine is back.
    job_id, not_before_at = job.pk, job.not_before_at
    transaction.on_commit(lambda: engine.dispatch(job_id, eta=not_before_at), robust=True)
    return job


def job_retry(*, job: Job, requested_by) -> Job:
    """Re-trigger a failed job: a new job with the same kind and parameters, linked to the old one."""
    if job.status != JobStatus.FAILED:
        raise JobRetryError("Only a failed job can be re-triggered.")
    with transaction.atomic():
        new_job = job_enqueue(
            kind=job.kind, description=job.description, params=job.params, requested_by=requested_by, retry_of=job
        )
        audit_record(actor=requested_by, action="jobs.retried", target=f"job #{job.pk}",
                     before={"job": job.pk, "status": job.status, "result": job.result[:200]},
                     after={"job": new_job.pk, "description": job.description})
    return new_job


def job_run(*, job_id: int) -> Job | None:
    """Run one job (called by the engine's worker). Returns the job, or None if it was not ours."""
    if not _claim(job_id):
        return None
    job = Job.objects.get(pk=job_id)
    context = JobContext(job)
    status, result = JobStatus.COMPLETED, ""
    ours = Job.objects.filter(pk=job_id, attempts=job.attempts)  # this run's claim, not a later one's
    logger.info("job start", extra={"fields": {"job": job_id, "kind": job.kind, "attempt": job.attempts,
                                                **_tenant_field(job)}})
    try:
        # The lease: while the handler runs, a thread renews the heartbeat. A worker that dies stops
        # renewing, and `jobs_requeue_expired` (any worker) gives the job to another one.
        with beating(every_s=settings.BMS_JOB_HEARTBEAT_S, name=f"job-{job_id}-heartbeat",
                     beat=lambda: ours.filter(status=JobStatus.WORKING).update(heartbeat_at=timezone.now())):
            handler_for(job.kind)(context, **job.params)
    except JobWaitError as exc:
        result = f"{exc.message} — continues automatically at {local_text(exc.eta, exc.time_zone)}"
        context.warning(exc.message)
        later = job_enqueue(kind=job.kind, description=job.description, params=job.params, eta=exc.eta,
                            retry_of=job)
        # The queued run says why it waits, in the words (and the entity's time) of the handler.
        Job.objects.filter(pk=later.pk).update(result=exc.message[:500])
    except Exception as exc:
        status = JobStatus.FAILED
        plain = plain_failure(exc)
        result = f"Failed: {plain}"
        context.error(plain, cause=plain, detail=_failure_report(exc))
        logger.exception("job %s (%s) failed", job_id, job.kind)
    if status == JobStatus.COMPLETED:
        result = result or context.result or context.summary()
        if context.has_problem_records:
            status = JobStatus.COMPLETED_WITH_ERRORS
    context.flush()  # the last counters, whatever the throttle held back
    ours.update(
        status=status,
        result=result[:500],
        finished_at=timezone.now(),
        progress_percent=context.progress_percent if status == JobStatus.FAILED else 100,
    )
    job.refresh_from_db()
    logger.info("job end", extra={"fields": {"job": job_id, "kind": job.kind, "outcome": job.status,
                                              "result": job.result, **_tenant_field(job)}})
    return job


def _tenant_field(job: Job) -> dict:
    return {"tenant": job.params["tenant_id"]} if isinstance(job.params, dict) and "tenant_id" in job.params else {}


def _claim(job_id: int) -> bool:
    # Queued → Working in one conditional UPDATE: a second delivery of the same id (engines deliver
    # at least once; `jobs_recover` may resend) finds nothing to claim and does nothing.
    now = timezone.now()
    return bool(
        Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.WORKING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
        )
    )


UNEXPECTED_FAILURE = "an unexpected error stopped the job; an administrator can see its details in the log"


def plain_failure(exc: Exception) -> str:
    """What stopped a job, in words a finance user can read. Errors meant for people carry a
    `message` (DomainError, the Xero client's errors); anything else is a bug, named only in the
    admins' detail."""
    message = getattr(exc, "message", None)
    return message.strip() if isinstance(message, str) and message.strip() else UNEXPECTED_FAILURE


def _failure_report(exc: Exception) -> str:
    # The type and message say what went wrong; the last frames say where. No locals, no request
    # data, no server paths: nothing secret reaches a page an admin may screenshot.
    where = [
        f"  at {_short_path(frame.filename)}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(exc.__traceback__)[-FAILURE_FRAMES:]
    ]
    return "\n".join([f"{type(exc).__name__}: {exc}", *where])


def _short_path(filename: str) -> str:
    path = Path(filename)
    return str(path.relative_to(settings.BASE_DIR)) if path.is_relative_to(settings.BASE_DIR) else path.name


def jobs_requeue_expired(*, now: datetime | None = None) -> dict[str, int]:
    """Give the jobs of dead workers to live ones: a Working job whose heartbeat is older than the
    lease (BMS_JOB_LEASE_S) goes back to Queued and is dispatched again; it resumes where it stopped,
    because every push looks up what it may already have sent before sending it again. A job that
    has already been restarted BMS_JOB_MAX_ATTEMPTS times is marked Failed instead (re-triggerable).

    Cheap and safe to run anywhere at any time: each change is a conditional UPDATE."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.BMS_JOB_LEASE_S)
    cutoff = now - lease
    requeued = failed = 0
    for job_id, attempts in Job.objects.filter(status=JobStatus.WORKING, heartbeat_at__lt=cutoff).values_list(
        "pk", "attempts"
    ):
        # Conditional again: the job may have shown a sign of life since the query above.
        expired = Job.objects.filter(pk=job_id, status=JobStatus.WORKING, attempts=attempts, heartbeat_at__lt=cutoff)
        with transaction.atomic():
            if attempts >= settings.BMS_JOB_MAX_ATTEMPTS:
                if expired.update(status=JobStatus.FAILED, finished_at=now, error_count=F("error_count") + 1,
                                  result="Failed: the worker stopped while this job was running"):
                    JobLogEntry.objects.create(
                        job_id=job_id, level=LogLevel.ERROR, cause="worker stopped",
                        message=f"The worker running this job stopped {attempts} times; the job was stopped. "
                        "Re-trigger it to run it again.",
                    )
                    failed += 1
                continue
            if expired.update(status=JobStatus.QUEUED, not_before_at=None):
                JobLogEntry.objects.create(
                    job_id=job_id, level=LogLevel.WARNING, cause="worker stopped",
                    message=f"No sign of life from the worker for {lease.total_seconds():.0f} s; the job runs again "
                    "on another worker and resumes where it stopped.",
                )
                Job.objects.filter(pk=job_id).update(warning_count=F("warning_count") + 1)
                transaction.on_commit(lambda job_id=job_id: engine.dispatch(job_id), robust=True)
                requeued += 1
    if requeued or failed:
        logger.warning("jobs whose worker stopped", extra={"fields": {"requeued": requeued, "failed": failed}})
    return {"requeued": requeued, "failed": failed}


def jobs_recover(*, now: datetime | None = None) -> dict[str, int]:
    """Heal what a crash leaves behind; run periodically, safe to run anywhere at any time.

    - Working jobs whose lease expired → queued again for another worker (see `jobs_requeue_expired`).
    - Queued jobs whose message the engine lost → dispatched again (the claim keeps it one run).
    """
    now = now or timezone.now()
    expired = jobs_requeue_expired(now=now)
    resent = 0
    lost_cutoff = now - LOST_QUEUED_AFTER
    lost = Job.objects.filter(status=JobStatus.QUEUED, queued_at__lt=lost_cutoff).filter(
        Q(not_before_at__isnull=True) | Q(not_before_at__lt=lost_cutoff)
    )
    if lost.exists() and engine.engine_is_idle():
        for job_id in lost.values_list("pk", flat=True):
            engine.dispatch(job_id)
            resent += 1
    if resent:
        logger.warning("jobs_recover: %s lost job(s) sent again", resent)
    return {**expired, "resent": resent}
