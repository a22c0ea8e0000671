"""The only module (with tasks.py) that knows the job engine is Huey.

The engine carries nothing but a Job id: the Job row is the truth, so swapping the engine means
rewriting these two functions and tasks.py, nothing else.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def dispatch(job_id: int, *, eta: datetime | None = None) -> None:
    """Hand a committed job to the engine, now or at `eta` (UTC)."""
    from bms.jobs.tasks import run_job_task  # the tasks module imports the services, which import us

    if eta is not None and eta > timezone.now():
        run_job_task.schedule((job_id,), eta=eta)
    else:
        run_job_task(job_id)


def engine_is_idle() -> bool:
    """True when the engine holds no message waiting for a worker.

    A Queued job that is old while the engine is idle has lost its message (the engine was down
    when the job was committed, or its storage was wiped) and may be dispatched again.
    """
    from huey.contrib.djhuey import HUEY

    return HUEY.pending_count() == 0


def queue_depth() -> int:
    """Messages waiting in the engine for a worker (not counting ones scheduled for later)."""
    from huey.contrib.djhuey import HUEY

    return HUEY.pending_count()
