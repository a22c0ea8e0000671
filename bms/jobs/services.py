"""Background jobs: the engine-agnostic API every app uses.

A Job row is written first and the engine (Huey) only carries its id, so every run is visible on
Admin → Background Jobs from the moment it is asked for, whatever happens to the engine.
"""

from __future__ import annotations

import logging
import traceback
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from bms.jobs.context import JobContext
from bms.jobs.models import Job, JobStatus
from bms.jobs.registry import handler_for

logger = logging.getLogger(__name__)


class JobRetryError(Exception):
    pass


class JobWaitError(Exception):
    """Raised by a handler whose work must wait (e.g. for Xero's limit): the job ends as
    Completed with a note, and a new run is scheduled for `eta`."""

    def __init__(self, message: str, *, eta: datetime):
        super().__init__(message)
        self.message = message
        self.eta = eta


def job_enqueue(
    *, kind: str, description: str, params: dict | None = None, requested_by=None, eta: datetime | None = None,
    retry_of: Job | None = None,
) -> Job:
    handler_for(kind)  # fail now, in the caller, for a kind nobody registered
    job = Job.objects.create(
        kind=kind,
        description=description[:255],
        params=params or {},
        requested_by=requested_by if getattr(requested_by, "pk", None) else None,
        retry_of=retry_of,
    )
    # Hand the id to the engine only once the row is committed, or a fast worker could miss it.
    transaction.on_commit(lambda: _dispatch(job.pk, eta))
    return job


def _dispatch(job_id: int, eta: datetime | None) -> None:
    from bms.jobs.tasks import run_job_task

    if eta is not None and eta > timezone.now():
        run_job_task.schedule((job_id,), eta=eta)
    else:
        run_job_task(job_id)


def job_retry(*, job: Job, requested_by) -> Job:
    if job.status != JobStatus.FAILED:
        raise JobRetryError("Only a failed job can be re-triggered.")
    return job_enqueue(
        kind=job.kind, description=job.description, params=job.params, requested_by=requested_by, retry_of=job
    )


def _claim(job_id: int) -> bool:
    # Queued → Working in one conditional UPDATE: a second delivery of the same id finds nothing
    # to claim and does nothing.
    now = timezone.now()
    return bool(
        Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.WORKING, started_at=now, heartbeat_at=now
        )
    )


def job_run(*, job_id: int) -> Job | None:
    """Run one job (called by the engine's worker). Returns the job, or None if it was not ours."""
    if not _claim(job_id):
        return None
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job_id).update(attempts=job.attempts + 1)
    context = JobContext(job)
    status, result = JobStatus.COMPLETED, ""
    try:
        handler_for(job.kind)(context, **job.params)
    except JobWaitError as exc:
        result = f"{exc.message} — continues automatically at {exc.eta:%Y-%m-%d %H:%M} UTC"
        context.warning(exc.message)
        job_enqueue(kind=job.kind, description=job.description, params=job.params, eta=exc.eta, retry_of=job)
    except Exception as exc:
        status = JobStatus.FAILED
        result = f"Failed: {exc}"[:500]
        # The type and message say what went wrong; the last frames say where. No locals, no
        # request data: nothing secret reaches the log.
        frames = traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-3)
        context.error(f"{type(exc).__name__}: {exc}\n{''.join(frames[-4:]).strip()}", cause=type(exc).__name__)
        logger.exception("job %s (%s) failed", job_id, job.kind)
    job.refresh_from_db()
    if status == JobStatus.COMPLETED and not result:
        result = context.result or _summary(job, context)
    Job.objects.filter(pk=job_id).update(
        status=status,
        result=result[:500],
        finished_at=timezone.now(),
        done_items=context.done,
        progress_percent=100 if status == JobStatus.COMPLETED else job.progress_percent,
    )
    job.refresh_from_db()
    return job


def _summary(job: Job, context: JobContext) -> str:
    parts = [f"{context.done} done" if context.done or context.total else "Done"]
    if job.error_count:
        parts.append(f"{job.error_count} error{'s' if job.error_count != 1 else ''}")
    if job.warning_count:
        parts.append(f"{job.warning_count} warning{'s' if job.warning_count != 1 else ''}")
    return "Completed: " + ", ".join(parts)
