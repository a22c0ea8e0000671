import time

from django.core.management.base import BaseCommand

from bms.demo.data import seed_demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        started = time.monotonic()
        report = seed_demo()
        self.stdout.write(f"{report.summary()} ({time.monotonic() - started:.1f} s)")
        if "users" in report.created:
            # The demo users' passwords equal their names: say so where they are made.
            self.stdout.write(self.style.WARNING(
                "Demo users admin/admin (superuser), finance/finance and staff/staff: for the demo only, "
                "never on a machine other people can reach."))
