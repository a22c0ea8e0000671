"""Thin Huey tasks: ids in, one service call. (engine.py is the only other module that knows Huey.)"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from bms.jobs.scheduling import scheduler_tick, schedules_ensure
from bms.jobs.services import job_run, jobs_recover


@db_task()
def run_job_task(job_id: int) -> None:
    job_run(job_id=job_id)


@db_periodic_task(crontab(minute="*"))
def scheduler_tick_task() -> None:
    # Schedules first: a changed setting (an interval, a nightly time) applies from this tick on.
    schedules_ensure()
    scheduler_tick()


@db_periodic_task(crontab(minute="*"))
def jobs_recover_task() -> None:
    jobs_recover()
