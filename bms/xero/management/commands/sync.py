"""`bms sync accounts|customers|invoices|payments [--entity CODE | --all]`: run a sync now, in the
foreground, with progress and a closing summary (created, updated, failed — with reasons)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from bms.entities.models import Entity
from bms.preferences.selectors import xero_is_active
from bms.xero.client.errors import AuthError
from bms.xero.selectors import customers_due_for_sync, entity_tenant, invoices_due_for_push, tenants_in_use
from bms.xero.services.chart import chart_sync_from_xero
from bms.xero.services.contacts import contacts_sync
from bms.xero.services.invoices import invoices_push
from bms.xero.services.payments import payments_pull
from bms.xero.sync.leases import LeaseBusyError
from bms.xero.sync.log import CollectingLog
from bms.xero.sync.run import WaitForXeroError, tenant_run, tenant_time_zone


class ProgressLog(CollectingLog):
    def __init__(self, stream, total: int):
        super().__init__()
        self.stream, self.total = stream, total

    def advance(self, n: int = 1) -> None:
        super().advance(n)
        if self.total:
            self.stream.write(f"\r  {self.done}/{self.total} ({self.done * 100 // self.total}%)")
            self.stream.flush()


class Command(BaseCommand):
    help = "Sync with Xero now: accounts (from Xero), customers, invoices (to Xero) or payments (from Xero)."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["accounts", "customers", "invoices", "payments"])
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--entity", help="only the Xero organisation this entity posts to")
        target.add_argument("--all", dest="all_tenants", action="store_true", help="every connected Xero organisation")

    def handle(self, *args, what: str, entity: str | None, all_tenants: bool, **options):
        if not xero_is_active():
            raise CommandError("The Xero package is not active (Admin → General Settings): nothing is sent.")
        if entity:
            found = Entity.objects.filter(code=entity).first()
            if found is None:
                raise CommandError(f"No entity has the code {entity!r}.")
            tenant = entity_tenant(found)
            if tenant is None:
                raise CommandError(f"{found.name} is not connected to Xero (Admin → Entities).")
            tenants = [tenant]
        else:
            tenants = tenants_in_use()
            if not tenants:
                raise CommandError("No entity is connected to Xero yet.")
        failures = 0
        for tenant in tenants:
            failures += self._sync(what, tenant)
        if failures:
            raise CommandError(f"{failures} record(s) failed; see the reasons above.")

    @staticmethod
    def _work(what: str, tenant):
        if what == "customers":
            records = list(customers_due_for_sync(tenant, include_failed=True))
            log = ProgressLog(sys.stdout, len(records))
            return log, lambda client: contacts_sync(tenant=tenant, customers=records, client=client, log=log)
        if what == "invoices":
            records = list(invoices_due_for_push(tenant, include_failed=True))
            log = ProgressLog(sys.stdout, len(records))
            return log, lambda client: invoices_push(tenant=tenant, invoices=records, client=client, log=log)
        log = ProgressLog(sys.stdout, 0)
        if what == "payments":
            return log, lambda client: payments_pull(tenant=tenant, client=client, log=log)
        return log, lambda client: chart_sync_from_xero(client=client)

    def _sync(self, what: str, tenant) -> int:
        self.stdout.write(f"{what.capitalize()} — {tenant.name}")
        log, work = self._work(what, tenant)
        try:
            outcome = tenant_run(tenant=tenant, kind="push" if what in ("customers", "invoices") else what,
                                 work=work, log=log)
        except WaitForXeroError as exc:
            self.stdout.write(self.style.WARNING(f"  {exc.describe(tenant_time_zone(tenant))}; run again later."))
            return 0
        except AuthError as exc:
            raise CommandError(f"{tenant.name} needs re-authentication: {exc.message}") from None
        except LeaseBusyError as exc:
            self.stdout.write(self.style.WARNING(f"  {exc}; run again when it has finished."))
            return 0
        self.stdout.write("")
        summary = outcome.summary() if hasattr(outcome, "summary") else ", ".join(
            f"{v} {k}" for k, v in outcome.items())
        self.stdout.write(self.style.SUCCESS(f"  {summary}"))
        errors = log.errors()
        for record, message in errors:
            self.stdout.write(self.style.ERROR(f"  {record}: {message}"))
        return len(errors)
