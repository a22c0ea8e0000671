"""`bms worker`: run the background-job consumer (Huey).

Embedded default (jobs on SQLite): one worker, which also runs the scheduler. Scale-out
(BMS_JOB_URL=redis://…): any number of `bms worker` on any machines, and one `bms worker
--scheduler` (a second is harmless: due runs are claimed under a database-unique guard).

Every worker also sweeps for expired job leases every half lease, so the job of a worker that died
is running again elsewhere within about 1.5 × BMS_JOB_LEASE_S, whether or not a scheduler is up."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from huey.consumer_options import ConsumerConfig
from huey.contrib.djhuey import HUEY

from bms.core.heartbeat import beating
from bms.core.text import counted
from bms.jobs.scheduling import schedules_ensure
from bms.jobs.services import jobs_requeue_expired


def scheduler_by_default() -> bool:
    """On with the embedded engine (one worker does everything); off with Redis, where exactly one
    `bms worker --scheduler` is started on purpose."""
    return not str(getattr(settings, "BMS_JOBS_URL", "")).startswith(("redis://", "rediss://"))


class Command(BaseCommand):
    help = "Run the background-job worker (and, unless --no-scheduler, the scheduler)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers", type=int, default=None, help="Worker threads (default BMS_WORKER_THREADS)."
        )
        parser.add_argument(
            "--scheduler", dest="scheduler", action="store_true", default=None,
            help="Run the periodic tasks: the schedule tick and the recovery sweep (default only for the "
            "embedded engine; with Redis start exactly one worker with --scheduler).",
        )
        parser.add_argument(
            "--no-scheduler", dest="scheduler", action="store_false", help="Only run jobs; another worker schedules."
        )

    def handle(self, *args, workers: int | None, scheduler: bool | None, **options):
        if scheduler is None:
            scheduler = scheduler_by_default()
        if HUEY.immediate:
            raise CommandError("The job engine is in immediate mode (tests): there is no queue to consume.")
        consumer_options = dict(settings.HUEY.get("consumer", {})) if isinstance(settings.HUEY, dict) else {}
        if workers is not None:
            if workers < 1:
                raise CommandError("--workers must be at least 1.")
            consumer_options["workers"] = workers
        consumer_options["periodic"] = scheduler
        config = ConsumerConfig(**consumer_options)
        config.validate()
        if scheduler:
            schedules_ensure()  # the schedules exist before the first tick, e.g. on a fresh database
        # Huey's own messages (task started, errors) reach the console through the root logger that
        # settings.LOGGING configures; adding Huey's handler as `run_huey` does would print them twice.
        consumer = HUEY.create_consumer(**config.values)
        self.stdout.write(
            f"BMS worker: {counted(config.workers, config.worker_type + ' worker')}, "
            f"scheduler {'on' if scheduler else 'off'}."
        )
        lease_sweep_s = max(0.1, settings.BMS_JOB_LEASE_S / 2)
        with beating(every_s=lease_sweep_s, beat=jobs_requeue_expired, name="job-lease-sweep"):
            consumer.run()
