import time

from django.core.management.base import BaseCommand

from bms.demo.data import seed_demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        started = time.monotonic()
        report = seed_demo()
        self.stdout.write(f"{report.summary()} ({time.monotonic() - started:.1f} s)")
