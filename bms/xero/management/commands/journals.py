"""`bms journals build|push [--entity CODE] [--date YYYY-MM-DD | --from YYYY-MM-DD --to YYYY-MM-DD]`.

build: without dates, every day not built yet up to yesterday (what the nightly run does, missed
nights included); with dates, exactly those days. A day already built is shown, never rebuilt.
push: send the built journals Xero doesn't have yet (held ones included) to each entity's Xero
organisation, in the foreground, with the reasons for any refusal.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bms.cogs.models import CostOfSalesJournal
from bms.cogs.services import journal_build_for_day, journals_build_due
from bms.core.dates import parse_date_in_range
from bms.core.errors import DomainError
from bms.core.text import counted
from bms.entities.models import Entity
from bms.preferences.selectors import xero_is_active
from bms.xero.client.errors import AuthError
from bms.xero.management.commands.sync import ProgressLog
from bms.xero.models import XeroTenant
from bms.xero.selectors import entity_tenant, journals_due_for_push
from bms.xero.services.syncs import SyncKind, tenant_sync
from bms.xero.sync.leases import LeaseBusyError
from bms.xero.sync.run import WaitForXeroError, tenant_time_zone

MAX_DAYS = 366


def _day(text: str) -> date:
    day = parse_date_in_range(text)
    if day is None:
        raise CommandError(f"{text!r} is not a date from 1900-01-01 to 2999-12-31: write it as YYYY-MM-DD, "
                           "e.g. 2026-04-23.")
    return day


class Command(BaseCommand):
    help = "Build the nightly cost-of-sales journals, or push the built ones to Xero."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["build", "push"])
        parser.add_argument("--entity", help="only this entity (its code); default: every entity")
        parser.add_argument("--date", help="one trading day, YYYY-MM-DD")
        parser.add_argument("--from", dest="date_from", help="first trading day of a range, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="last trading day of a range, YYYY-MM-DD")

    def handle(self, *args: Any, action: str, entity: str | None, date: str | None, date_from: str | None,
               date_to: str | None, **options: Any) -> None:
        days = self._days(date, date_from, date_to)
        entities = self._entities(entity)
        if action == "build":
            self._build(entities, days)
        else:
            self._push(entities, days)

    @staticmethod
    def _entities(code: str | None) -> list[Entity]:
        if code:
            found = Entity.objects.filter(code=code).first()
            if found is None:
                raise CommandError(f"No entity has the code {code!r}.")
            return [found]
        entities = list(Entity.objects.order_by("code"))
        if not entities:
            raise CommandError("There are no entities yet: add one under Admin → Entities.")
        return entities

    @staticmethod
    def _days(one: str | None, first: str | None, last: str | None) -> list[date] | None:
        if one and (first or last):
            raise CommandError("Give either --date or --from/--to, not both.")
        if one:
            return [_day(one)]
        if bool(first) != bool(last):
            raise CommandError("A range needs both --from and --to.")
        if not first or not last:
            return None
        start, end = _day(first), _day(last)
        if end < start:
            raise CommandError("--to is before --from.")
        if (end - start).days >= MAX_DAYS:
            raise CommandError(f"At most {MAX_DAYS} days at a time.")
        return [start + timedelta(days=n) for n in range((end - start).days + 1)]

    def _show(self, journal: CostOfSalesJournal) -> None:
        self.stdout.write(f"  {journal.entity.code} {journal.journaled_on:%d/%m/%Y}  {journal.description}  "
                          f"debit {journal.debit_amount} / credit {journal.credit_amount}  "
                          f"({journal.get_status_display()}, {journal.reference})")

    def _build(self, entities: list[Entity], days: list[date] | None) -> None:
        failures = 0
        for entity in entities:
            self.stdout.write(f"{entity.code} — {entity.name}")
            try:
                if days is None:
                    outcome = journals_build_due(entity=entity)
                    for journal in outcome.built:
                        self._show(journal)
                    self.stdout.write(f"  {counted(len(outcome.built), 'journal')} built over "
                                      f"{counted(outcome.days, 'day')}.")
                    continue
                for day in days:
                    built = journal_build_for_day(entity=entity, day=day)
                    if built is None:
                        self.stdout.write(f"  {entity.code} {day:%d/%m/%Y}  no dispatches: no journal")
                    else:
                        self._show(built)
            except DomainError as exc:
                failures += 1
                self.stdout.write(self.style.ERROR(f"  {exc.message}"))
        if failures:
            raise CommandError(f"{failures} entit{'y' if failures == 1 else 'ies'} could not be built; see above.")

    def _push(self, entities: list[Entity], days: list[date] | None) -> None:
        if not xero_is_active():
            raise CommandError("The Xero package is not active (Admin → General Settings): nothing is sent.")
        by_tenant: dict[int, tuple[XeroTenant, list[Entity]]] = {}
        for entity in entities:
            tenant = entity_tenant(entity)
            if tenant is None:
                self.stdout.write(self.style.WARNING(f"{entity.code}: not connected to Xero (Admin → Entities)."))
                continue
            by_tenant.setdefault(tenant.pk, (tenant, []))[1].append(entity)
        failures = 0
        for tenant, tenant_entities in by_tenant.values():
            journals = journals_due_for_push(tenant, include_failed=True).filter(entity__in=tenant_entities)
            if days is not None:
                journals = journals.filter(journaled_on__in=days)
            to_send = list(journals)
            self.stdout.write(f"Journals — {tenant.name}: {len(to_send)} to send")
            if not to_send:
                continue
            log = ProgressLog(sys.stdout)
            try:
                outcome = tenant_sync(tenant=tenant, kind=SyncKind.JOURNALS, log=log,
                                      record_ids=[journal.pk for journal in to_send])
            except WaitForXeroError as exc:
                self.stdout.write(self.style.WARNING(f"  {exc.describe(tenant_time_zone(tenant))}; run again later."))
                continue
            except AuthError as exc:
                raise CommandError(f"{tenant.name} needs re-authentication: {exc.message}") from None
            except LeaseBusyError as exc:
                self.stdout.write(self.style.WARNING(f"  {exc}; run again when it has finished."))
                continue
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS(f"  {outcome.summary()}"))
            for record, message in log.errors():
                failures += 1
                self.stdout.write(self.style.ERROR(f"  {record}: {message}"))
        if failures:
            raise CommandError(f"{counted(failures, 'journal')} held; see the reasons above.")
