"""`bms worker`: run the background-job consumer (Huey).

Embedded default: one worker with the scheduler. Scale-out: any number of `bms worker
--no-scheduler` on any machines, and one `bms worker` with the scheduler (a second is harmless:
due runs are claimed under a database-unique guard)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from huey.consumer_options import ConsumerConfig
from huey.contrib.djhuey import HUEY

from bms.jobs.scheduling import schedules_ensure


class Command(BaseCommand):
    help = "Run the background-job worker (and, unless --no-scheduler, the scheduler)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers", type=int, default=None, help="Worker threads (default BMS_WORKER_THREADS)."
        )
        parser.add_argument(
            "--scheduler", dest="scheduler", action="store_true", default=True,
            help="Run the periodic tasks: the schedule tick and the stale-job sweep (default).",
        )
        parser.add_argument(
            "--no-scheduler", dest="scheduler", action="store_false", help="Only run jobs; another worker schedules."
        )

    def handle(self, *args, workers: int | None, scheduler: bool, **options):
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
            f"BMS worker: {config.workers} {config.worker_type} worker(s), scheduler {'on' if scheduler else 'off'}."
        )
        consumer.run()
