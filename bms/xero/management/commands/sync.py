"""`bms sync accounts|customers|invoices|journals|payments [--entity CODE | --all]`: run a sync now, in the
foreground, with progress and a closing summary (created, updated, failed — with reasons)."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bms.core.errors import DomainError
from bms.core.text import counted
from bms.preferences.selectors import xero_is_active
from bms.xero.client.errors import AuthError, XeroError
from bms.xero.management.dry_run import dry_run_command
from bms.xero.management.targets import connected_tenants, entity_with_tenant
from bms.xero.models import XeroTenant
from bms.xero.services.syncs import SyncKind, tenant_sync
from bms.xero.sync.leases import LeaseBusyError
from bms.xero.sync.log import CollectingLog
from bms.xero.sync.run import WaitForXeroError, tenant_time_zone


class ProgressLog(CollectingLog):
    def __init__(self, stream: TextIO):
        super().__init__()
        self.stream = stream

    def advance(self, n: int = 1) -> None:
        super().advance(n)
        if self.total:
            self.stream.write(f"\r  {self.done}/{self.total} ({self.done * 100 // self.total}%)")
            self.stream.flush()


class Command(BaseCommand):
    help = ("Sync with Xero now: accounts (from Xero), customers, invoices, journals (to Xero) or payments "
            "(from Xero).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=[kind.value for kind in SyncKind])
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--entity", help="only the Xero organisation this entity posts to")
        target.add_argument("--all", dest="all_tenants", action="store_true", help="every connected Xero organisation")
        parser.add_argument("--dry-run", action="store_true",
                            help="check what a push would send, and what would be held and why; send nothing")
        parser.add_argument("--json", action="store_true", help="with --dry-run: print the report as JSON")

    def handle(self, *args: Any, what: str, entity: str | None, all_tenants: bool, dry_run: bool = False,
               json: bool = False, **options: Any) -> None:
        if not xero_is_active():
            raise CommandError("The Xero package is not active (Admin → General Settings): nothing is sent.")
        if json and not dry_run:
            raise CommandError("--json prints the report of --dry-run: add --dry-run.")
        if dry_run:
            dry_run_command(self, what=what, entity_code=entity, as_json=json)
            return
        tenants = [entity_with_tenant(entity)[1]] if entity else connected_tenants()
        failures = 0
        for tenant in tenants:
            failures += self._sync(what, tenant)
        if failures:
            raise CommandError(f"{counted(failures, 'record')} failed; see the reasons above.")

    def _sync(self, what: str, tenant: XeroTenant) -> int:
        self.stdout.write(f"{what.capitalize()} — {tenant.name}")
        log = ProgressLog(sys.stdout)
        try:
            outcome = tenant_sync(tenant=tenant, kind=SyncKind(what), log=log, include_failed=True)
        except WaitForXeroError as exc:
            self.stdout.write(self.style.WARNING(f"  {exc.describe(tenant_time_zone(tenant))}; run again later."))
            return 0
        except AuthError as exc:
            raise CommandError(f"{tenant.name} needs re-authentication: {exc.message}") from None
        except LeaseBusyError as exc:
            self.stdout.write(self.style.WARNING(f"  {exc}; run again when it has finished."))
            return 0
        except (XeroError, DomainError) as exc:
            raise CommandError(f"{what.capitalize()} with {tenant.name} stopped: {exc.message}") from None
        except Exception as exc:  # noqa: BLE001 (an operator needs the reason, not a traceback; the job log has it)
            raise CommandError(f"{what.capitalize()} with {tenant.name} stopped by an unexpected error: "
                               f"{type(exc).__name__}: {exc}") from None
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"  {outcome.summary()}"))
        by_cause: dict[str, list[tuple[str, str]]] = {}
        for level, record, cause, message in log.lines:
            if level == "error":
                by_cause.setdefault(cause or "Other", []).append((record, message))
        for cause, errors in by_cause.items():  # grouped by cause, as the job log shows them
            self.stdout.write(self.style.ERROR(f"  {cause} ({len(errors)}):"))
            for record, message in errors:
                self.stdout.write(self.style.ERROR(f"    {record}: {message}"))
        return sum(len(errors) for errors in by_cause.values())
