"""`bms worker`: run the background-job consumer (Huey).

Embedded default: one worker with the scheduler. Scale-out: any number of `bms worker
--no-scheduler` on any machines, and one `bms worker` with the scheduler (a second is harmless:
due runs are claimed under a database-unique guard)."""

from django.conf import settings
from django.core.management.base import BaseCommand
from huey.consumer_options import ConsumerConfig
from huey.contrib.djhuey import HUEY

from bms.jobs.registry import schedule_providers


class Command(BaseCommand):
    help = "Run the background-job worker (and, unless --no-scheduler, the scheduler)."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=None, help="Worker threads (default BMS_WORKER_THREADS).")
        parser.add_argument("--scheduler", dest="scheduler", action="store_true", default=True)
        parser.add_argument("--no-scheduler", dest="scheduler", action="store_false")

    def handle(self, *args, workers: int | None, scheduler: bool, **options):
        options = dict(settings.HUEY.get("consumer", {})) if isinstance(settings.HUEY, dict) else {}
        if workers:
            options["workers"] = workers
        options["periodic"] = scheduler
        if scheduler:
            for ensure in schedule_providers():
                ensure()
        config = ConsumerConfig(**options)
        config.validate()
        consumer = HUEY.create_consumer(**config.values)
        self.stdout.write(
            f"BMS worker: {config.workers} {config.worker_type} worker(s), scheduler {'on' if scheduler else 'off'}."
        )
        consumer.run()
