"""`bms reconcile --entity CODE [--from YYYY-MM-DD --to YYYY-MM-DD] [--incremental] [--json]`:
compare BMS and the entity's Xero organisation now (the same run as Admin → Reconciliation's
Run now), and print the counts per kind and the disagreements grouped by cause."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bms.core.dates import parse_date_in_range
from bms.core.errors import DomainError
from bms.preferences.selectors import xero_is_active
from bms.xero.client.errors import AuthError, XeroError
from bms.xero.management.targets import entity_with_tenant
from bms.xero.reconcile.causes import cause_label
from bms.xero.reconcile.models import ReconciliationRun
from bms.xero.reconcile.run import reconciliation_default_range, reconciliation_run
from bms.xero.sync.leases import LeaseBusyError
from bms.xero.sync.log import CollectingLog
from bms.xero.sync.run import WaitForXeroError, tenant_time_zone


def _day(text: str) -> date:
    day = parse_date_in_range(text)
    if day is None:
        raise CommandError(f"{text!r} is not a date from 1900-01-01 to 2999-12-31: write it as YYYY-MM-DD.")
    return day


def run_as_dict(run: ReconciliationRun) -> dict[str, Any]:
    return {
        "organisation": run.tenant.name, "from": run.date_from.isoformat(), "to": run.date_to.isoformat(),
        "full": run.is_full, "status": run.status, "records": run.records, "calls": run.calls,
        "counts": run.counts, "causes": run.cause_counts,
        "rows": [{"kind": row.kind, "verdict": row.verdict, "cause": row.cause, "record": row.label,
                  "bms": row.bms_value, "xero": row.xero_value, "message": row.message} for row in run.rows.all()],
    }


class Command(BaseCommand):
    help = "Compare BMS with an entity's Xero organisation now: invoices, contacts and journals, grouped by cause."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entity", required=True, help="the entity whose Xero organisation to reconcile")
        parser.add_argument("--from", dest="date_from", help="first day (YYYY-MM-DD); default: a year ago")
        parser.add_argument("--to", dest="date_to", help="last day (YYYY-MM-DD); default: today")
        parser.add_argument("--incremental", action="store_true",
                            help="read only what Xero changed since the last run (the nightly pass)")
        parser.add_argument("--json", dest="as_json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, entity: str, date_from: str | None, date_to: str | None, incremental: bool,
               as_json: bool, **options: Any) -> None:
        if not xero_is_active():
            raise CommandError("The Xero package is not active (Admin → General Settings): nothing is read.")
        _, tenant = entity_with_tenant(entity)
        default_from, default_to = reconciliation_default_range(tenant=tenant)
        start = _day(date_from) if date_from else default_from
        end = _day(date_to) if date_to else default_to
        if start > end:
            raise CommandError("--from is after --to.")
        try:
            run = reconciliation_run(tenant=tenant, date_from=start, date_to=end, full=not incremental,
                                     log=CollectingLog())
        except WaitForXeroError as exc:
            raise CommandError(f"{exc.describe(tenant_time_zone(tenant))}; run again later.") from None
        except AuthError as exc:
            raise CommandError(f"{tenant.name} needs re-authentication: {exc.message}") from None
        except LeaseBusyError as exc:
            raise CommandError(f"{exc}; run again when it has finished.") from None
        except (XeroError, DomainError) as exc:
            raise CommandError(f"The reconciliation with {tenant.name} stopped: {exc.message}") from None
        if as_json:
            self.stdout.write(json.dumps(run_as_dict(run)))
            return
        self._print(run)

    def _print(self, run: ReconciliationRun) -> None:
        self.stdout.write(f"Reconciliation — {run.tenant.name}, {run.date_from:%d/%m/%Y} to {run.date_to:%d/%m/%Y} "
                          f"({'full' if run.is_full else 'incremental'} pass, {run.calls} calls)")
        for kind, counts in run.counts.items():
            self.stdout.write(f"  {kind}s: {counts['agree']} agree, {counts['differ']} differ, "
                              f"{counts['only_bms']} only in BMS, {counts['only_xero']} only in Xero")
        if not run.cause_counts:
            self.stdout.write(self.style.SUCCESS("  BMS and Xero agree."))
            return
        by_cause: dict[str, list[str]] = {}
        for row in run.rows.all():
            by_cause.setdefault(row.cause, []).append(f"{row.label}: {row.message}")
        for cause, lines in by_cause.items():
            self.stdout.write(self.style.WARNING(f"  {cause_label(cause)} ({len(lines)}):"))
            for line in lines:
                self.stdout.write(f"    {line}")
