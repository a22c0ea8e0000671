"""Thin Huey tasks: ids in, one service call."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from bms.jobs.scheduling import scheduler_tick
from bms.jobs.services import job_run


@db_task()
def run_job_task(job_id: int) -> None:
    job_run(job_id=job_id)


@db_periodic_task(crontab(minute="*"))
def scheduler_tick_task() -> None:
    scheduler_tick()
