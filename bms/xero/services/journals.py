"""Cost-of-sales journals → Xero manual journals (PRODUCT.md §3.6), exactly once.

Each journal goes as one POSTED manual journal dated its trading day, its lines summed per account
by the database, with the entity's tracking on every line (two entities posting to one Xero
organisation are told apart by it). The narration carries the journal's unique BMS reference:
Xero gives an errored or unanswered journal no id, so the reference is how a journal whose create
may have landed is found again (`where=Narration=="…"`) before anything is sent twice.

A journal dated on or before the organisation's lock date, or using an account Xero refuses, is
held with a message saying what to do; the schedule does not resend it (Push now does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from bms.cogs.models import CostOfSalesJournal
from bms.cogs.selectors import journal_account_summary
from bms.cogs.services import journal_mark_held, journal_mark_pushed
from bms.core.money import ZERO
from bms.entities.models import Entity
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import ManualJournal, ManualJournalLine, Tracking
from bms.xero.models import EntityXeroConnection, JournalLink, LinkStatus, SyncLink, XeroTenant
from bms.xero.services.chart_check import ChartCheck
from bms.xero.services.fixes import account_settings_fix, connection_fix, with_fix
from bms.xero.services.go_live import go_live_dates, go_live_verdict, journal_tax_verdict
from bms.xero.services.tracking_check import TrackingCheck
from bms.xero.sync.log import SyncLog, SyncOutcome
from bms.xero.sync.push import PushKind, Refusal, Verdict, lock_date_verdict, push

LOOKUP_SIZE = 10  # narrations per look-up: the where filter travels in the URL


def journal_lines_for_xero(journal: CostOfSalesJournal, tracking: list[Tracking] | None, *, tax_type: str = ""
                            ) -> list[ManualJournalLine]:
    """Net movement per account (debits positive, credits negative), summed by the database. Each line
    carries the organisation's journal tax type: left out, Xero reports the line under the account's
    default tax (GST on Expenses for a cost account) on the tax return."""
    return [
        ManualJournalLine(line_amount=net, account_code=code, description=journal.description,
                          tracking=tracking or None, tax_type=tax_type or None)
        for code, net in ((row["account__code"], row["net"]) for row in journal_account_summary(journal))
        if net != ZERO
    ]


def journal_payload(journal: CostOfSalesJournal, *, lines: list[ManualJournalLine], url: str | None) -> ManualJournal:
    return ManualJournal(
        narration=journal.narration,
        date=journal.journaled_on,
        status="POSTED",  # omitted, Xero makes a DRAFT that never reaches the ledger (xero-notes trap 11)
        line_amount_types="NoTax",
        journal_lines=lines,
        url=url,
    )


class JournalPush(PushKind[CostOfSalesJournal, ManualJournal]):
    kind = "journal"
    what = "journals"
    link_model: ClassVar[type[SyncLink]] = JournalLink
    record_field = "journal"

    def __init__(self, *, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog, chart: ChartCheck,
                 tracking: TrackingCheck | None = None):
        super().__init__(tenant=tenant, client=client, log=log)
        self.chart = chart
        self.tracking = tracking or TrackingCheck(client, tenant)
        self.lines: dict[int, list[ManualJournalLine]] = {}
        # Entities are few: every connection's go-live date, one query.
        self.go_live = go_live_dates(entity_ids=Entity.objects.values_list("pk", flat=True))

    def label(self, record: CostOfSalesJournal) -> str:
        return f"Journal {record.reference}"

    def revision(self, record: CostOfSalesJournal) -> int:
        return 0  # a journal is never rewritten: corrections are new journals (reversals)

    def is_current(self, link: SyncLink, record: CostOfSalesJournal) -> bool:
        return link.status == LinkStatus.SYNCED  # Xero has it; a pushed journal is never sent again

    def lookup(self, records: list[CostOfSalesJournal]) -> dict[int, ManualJournal | Refusal]:
        """Journals Xero already has, found by their narration (Xero's one optimised journal filter),
        several per call so a run after an outage does not spend the minute's budget on look-ups."""
        found: dict[int, ManualJournal | Refusal] = {}
        for start in range(0, len(records), LOOKUP_SIZE):
            by_narration = {journal.narration: journal for journal in records[start:start + LOOKUP_SIZE]}
            where = " OR ".join(f"Narration=={_quoted(narration)}" for narration in by_narration)
            for item in self.client.get_manual_journals(where=where).items:
                journal = by_narration.get(item.narration or "")
                if journal is not None and item.status not in ("DELETED", "VOIDED"):
                    found[journal.pk] = item
        return found

    def checks(self) -> Sequence[Callable[[CostOfSalesJournal, SyncLink], Verdict | None]]:
        """The pre-send checks (PushKind.check runs them; so does Check against Xero). A new check is
        one small method, pure given the reference data read once per run, added to this list."""
        return (
            self.check_go_live,
            self.check_journal_tax,
            self.check_lock_date,
            self.check_lines,
        )

    def check_go_live(self, record: CostOfSalesJournal, link: SyncLink) -> Verdict | None:
        return go_live_verdict(go_live_on=self.go_live.get(record.entity_id), dated=record.journaled_on)

    def check_journal_tax(self, record: CostOfSalesJournal, link: SyncLink) -> Verdict | None:
        return with_fix(journal_tax_verdict(tenant=self.tenant), connection_fix(record.entity_id))

    def check_lock_date(self, record: CostOfSalesJournal, link: SyncLink) -> Verdict | None:
        return lock_date_verdict(self.tenant, record.journaled_on, then="press Push now (or post this journal by hand)")

    def check_lines(self, record: CostOfSalesJournal, link: SyncLink) -> Verdict | None:
        tracking_verdict, tracking = self.tracking.verdict(record.entity)
        lines = journal_lines_for_xero(record, tracking, tax_type=self.tenant.journal_tax_type)
        if len(lines) < 2:
            # The day's postings cancel out in every account: there is nothing for Xero to hold.
            return Verdict.done("Every account nets to zero; nothing to send to Xero.")
        if tracking_verdict is not None:
            return tracking_verdict  # (the tracking check, here because the lines carry what it gives)
        problems = list(dict.fromkeys(
            p for p in (self.chart.account_problem(line.account_code, for_journal=True) for line in lines) if p))
        if problems:
            return Verdict.fail(
                f"Not sent: {'; '.join(problems)}. Choose another Cost or Stock account (Admin → Accounts → "
                f"Settings, or on the product) or fix it in Xero, then press Push now.", problems[0],
                fix=account_settings_fix())
        self.lines[record.pk] = lines  # what element() sends: computed once
        return None

    def element(self, record: CostOfSalesJournal, link: SyncLink, *, create: bool) -> ManualJournal:
        url = settings.BMS_BASE_URL + reverse("cogs:journal_detail", args=[record.pk])
        return journal_payload(record, lines=self.lines[record.pk], url=url)

    def send(self, client: XeroAccountingClient, elements: list[ManualJournal], *, create: bool,
             key: str) -> list[ManualJournal]:
        return client.create_manual_journals(elements, idempotency_key=key)

    def xero_id(self, result: ManualJournal) -> str:
        return result.manual_journal_id or ""

    def confirm(self, records: list[CostOfSalesJournal]) -> None:
        for journal in records:
            journal_mark_pushed(journal=journal)
        EntityXeroConnection.objects.filter(
            entity_id__in={j.entity_id for j in records}, records_xero_tenant_id=""
        ).update(records_xero_tenant_id=self.tenant.xero_tenant_id)

    def failed(self, records: list[CostOfSalesJournal]) -> None:
        for journal in records:
            journal_mark_held(journal=journal)

    def refusal_text(self, message: str) -> str:
        if "lock date" in message.lower():
            return (f"Xero: {message} Ask your adviser to move the lock date in Xero (or post this journal by hand), "
                    f"then press Push now.")
        return f"Xero: {message}. Fix the cause, then press Push now."


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def journals_for_push(journals: QuerySet[CostOfSalesJournal]) -> list[CostOfSalesJournal]:
    """The journals as the push reads them (and Check against Xero with it), oldest day first."""
    return list(journals.select_related("entity").order_by("journaled_on", "pk"))


def journals_push(
    *, tenant: XeroTenant, journals: Iterable[CostOfSalesJournal], client: XeroAccountingClient, log: SyncLog,
    chart: ChartCheck | None = None,
) -> SyncOutcome:
    records = journals_for_push(CostOfSalesJournal.objects.filter(pk__in=[j.pk for j in journals]))
    return push(JournalPush(tenant=tenant, client=client, log=log, chart=chart or ChartCheck(client)), records)
