"""Released credit notes → Xero ACCRECCREDIT credit notes (PRODUCT.md §3.9), exactly once: the
credit notes kind of the push engine (sync/push.py), built like the invoices' (services/invoices.py).

Contacts first, then the credit notes, in batches of 50 (PUT /CreditNotes, summarizeErrors=false,
one Idempotency-Key a batch). Each is checked before it is sent with the invoices' rules — go-live,
lock date, its customer's contact, currency, zero-rate tax type, accounts and tax types, tracking —
and one more: a credit note for an invoice dated before go-live is never sent (its invoice is not in
Xero), and says so. One whose create may have landed is looked up by its number (GET /CreditNotes has
no number filter: `where`, paged) before anything is sent again. After the write Xero's SubTotal,
TotalTax and Total are compared with BMS's: a difference holds it as Differs, not Processed.
A cancelled credit note Xero holds is voided there. Its allocations go in the same run
(services/credit_allocations.py): removals first, new ones after the credit notes; then the refunds
entered in BMS before it was sent (services/refunds_push.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from django.db.models import QuerySet

from bms.billing.models import CreditNote, CreditNoteStatus
from bms.billing.services import credit_notes_mark_processed
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import Tracking
from bms.xero.client.schemas_credit import CreditNote as XeroCreditNote
from bms.xero.models import ContactLink, CreditNoteLink, LinkStatus, SyncLink, XeroTenant
from bms.xero.payloads import credit_note_payload, credit_note_void
from bms.xero.services.chart_check import ChartCheck
from bms.xero.services.contact_checks import contact_state_verdict
from bms.xero.services.contact_status import contact_statuses_refresh
from bms.xero.services.contacts import contacts_sync
from bms.xero.services.credit_allocations import credit_allocations_push
from bms.xero.services.currency_checks import CurrencyCheck
from bms.xero.services.fixes import chart_fix, connection_fix, with_fix
from bms.xero.services.go_live import CAUSE_BEFORE_GO_LIVE, go_live_dates, go_live_verdict, zero_rate_verdict
from bms.xero.services.invoice_totals import CAUSE_TOTALS_DIFFER, totals_difference
from bms.xero.services.refunds_push import refunds_send
from bms.xero.services.tracking_check import TrackingCheck
from bms.xero.sync.log import SyncLog, SyncOutcome
from bms.xero.sync.push import PushKind, Refusal, Verdict, lock_date_verdict, push

LOOKUP_SIZE = 40  # numbers per `where`: Xero recommends ~40 values in a filter


class CreditNotePush(PushKind[CreditNote, XeroCreditNote]):
    kind = "credit_note"
    what = "credit notes"
    link_model: ClassVar[type[SyncLink]] = CreditNoteLink
    record_field = "credit_note"

    def __init__(self, *, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog, chart: ChartCheck,
                 credit_notes: list[CreditNote], tracking: TrackingCheck | None = None):
        super().__init__(tenant=tenant, client=client, log=log)
        self.chart = chart
        self.tracking = tracking or TrackingCheck(client, tenant)
        self.tracking_of: dict[int, list[Tracking]] = {}
        links = ContactLink.objects.filter(tenant=tenant, customer_id__in={c.customer_id for c in credit_notes})
        self.contacts: dict[int, str] = {
            customer_id: xero_id for customer_id, xero_id
            in links.filter(status=LinkStatus.SYNCED).values_list("customer_id", "xero_id") if xero_id}
        self.failed_contacts = set(links.filter(status=LinkStatus.FAILED).values_list("customer_id", flat=True))
        self.contact_states: dict[int, tuple[str, str]] = {
            customer_id: (status, merged) for customer_id, status, merged
            in links.values_list("customer_id", "xero_contact_status", "xero_merged_to_id")}
        self.currencies = CurrencyCheck(tenant=tenant, client=client)
        self.go_live = go_live_dates(entity_ids={c.entity_id for c in credit_notes})
        self.differing: set[int] = set()

    def label(self, record: CreditNote) -> str:
        return f"Credit note {record.display_number}"

    def is_current(self, link: SyncLink, record: CreditNote) -> bool:
        return link.status in (LinkStatus.SYNCED, LinkStatus.DIFFERS) and link.revision_pushed >= record.revision

    def lookup(self, records: list[CreditNote]) -> dict[int, XeroCreditNote | Refusal]:
        found: dict[int, XeroCreditNote | Refusal] = {}
        for start in range(0, len(records), LOOKUP_SIZE):
            by_number = {note.display_number: note for note in records[start:start + LOOKUP_SIZE]}
            for xero_note in self.client.credit_notes_by_number(list(by_number)):
                note = by_number.get(xero_note.credit_note_number or "")
                if note is not None and xero_note.status != "DELETED":
                    found[note.pk] = xero_note
        return found

    def checks(self) -> Sequence[Callable[[CreditNote, SyncLink], Verdict | None]]:
        return (self.check_go_live, self.check_lock_date, self.check_contact_state, self.check_customer,
                self.check_currency, self.check_zero_rate, self.check_chart, self.check_tracking)

    def _cancelled(self, record: CreditNote) -> bool:
        return record.status == CreditNoteStatus.CANCELLED

    def check_go_live(self, record: CreditNote, link: SyncLink) -> Verdict | None:
        if link.xero_id:  # one Xero holds (a void to send) is never held back by the date
            return None
        go_live_on = self.go_live.get(record.entity_id)
        invoice = record.invoice
        if go_live_on is not None and invoice is not None and invoice.issued_on < go_live_on:
            return Verdict.skip(
                f"Before go-live — not sent: it credits invoice {invoice.display_number}, dated "
                f"{invoice.issued_on:%d/%m/%Y}, before {go_live_on:%d/%m/%Y}, the date this entity sends documents "
                "from; that invoice is not in Xero. The credit note stays in BMS as history.", CAUSE_BEFORE_GO_LIVE)
        return go_live_verdict(go_live_on=go_live_on, dated=record.issued_on)

    def check_lock_date(self, record: CreditNote, link: SyncLink) -> Verdict | None:
        return lock_date_verdict(self.tenant, record.issued_on, then="sync again")

    def check_contact_state(self, record: CreditNote, link: SyncLink) -> Verdict | None:
        if self._cancelled(record):
            return None
        status, merged_to = self.contact_states.get(record.customer_id, ("", ""))
        return contact_state_verdict(customer_code=record.customer.code, customer_id=record.customer_id,
                                     xero_contact_status=status, xero_merged_to_id=merged_to)

    def check_customer(self, record: CreditNote, link: SyncLink) -> Verdict | None:
        code = record.customer.code
        if self._cancelled(record):
            return None
        if record.customer_id in self.failed_contacts:
            return Verdict.fail(f"Customer {code} could not be synced to Xero; fix the customer (see its Xero "
                                "Integration panel), then sync again.", f"customer {code} not synced")
        if record.customer_id not in self.contacts:
            return Verdict.wait(f"Waiting for customer {code} to reach Xero; the credit note goes with the next "
                                "push.", f"customer {code} not in Xero yet")
        return None

    def check_currency(self, record: CreditNote, link: SyncLink) -> Verdict | None:
        return None if self._cancelled(record) else self.currencies.verdict(record.currency)

    def check_zero_rate(self, record: CreditNote, link: SyncLink) -> Verdict | None:
        if self._cancelled(record):
            return None
        return with_fix(zero_rate_verdict(tenant=self.tenant, has_untaxed_lines=any(
            line.tax_rate is None for line in record.lines.all())), connection_fix(record.entity_id))

    def check_chart(self, record: CreditNote, link: SyncLink) -> Verdict | None:
        if self._cancelled(record):
            return None
        problems = []
        for line in record.lines.all():
            problems.append(self.chart.account_problem(line.account.code))
            tax_type = line.tax_rate.xero_tax_type if line.tax_rate is not None else self.tenant.zero_rate_tax_type
            problems.append(self.chart.tax_problem(tax_type))
        found = list(dict.fromkeys(problem for problem in problems if problem))
        if found:
            return Verdict.fail(f"Not sent: {'; '.join(found)}. Fix the account or tax rate, then sync again.",
                                found[0], fix=chart_fix())
        return None

    def check_tracking(self, record: CreditNote, link: SyncLink) -> Verdict | None:
        if self._cancelled(record):
            return None
        verdict, self.tracking_of[record.pk] = self.tracking.verdict(record.entity)
        return verdict

    def element(self, record: CreditNote, link: SyncLink, *, create: bool) -> XeroCreditNote:
        if self._cancelled(record) and link.xero_id:
            return credit_note_void(credit_note_id=link.xero_id)
        assert isinstance(link, CreditNoteLink)
        return credit_note_payload(
            record, contact_id=self.contacts[record.customer_id], tracking=self.tracking_of.get(record.pk, []),
            credit_note_id=None if create else link.xero_id, line_item_ids=None if create else link.line_item_ids,
            zero_rate_tax_type=self.tenant.zero_rate_tax_type)

    def send(self, client: XeroAccountingClient, elements: list[XeroCreditNote], *, create: bool,
             key: str) -> list[XeroCreditNote]:
        method = client.create_credit_notes if create else client.update_or_create_credit_notes
        return method(elements, idempotency_key=key)

    def xero_id(self, result: XeroCreditNote) -> str:
        return result.credit_note_id or ""

    def success_fields(self, record: CreditNote, link: SyncLink, result: XeroCreditNote | None) -> dict[str, Any]:
        assert isinstance(link, CreditNoteLink)
        if result is None:
            return {"xero_number": link.xero_number or record.display_number}
        xero_lines, bms_lines = result.line_items or [], list(record.lines.all())
        line_ids = ({str(line.pk): xl.line_item_id for line, xl in zip(bms_lines, xero_lines, strict=True)
                     if xl.line_item_id} if len(xero_lines) == len(bms_lines) else {})
        fields: dict[str, Any] = {
            "xero_number": result.credit_note_number or record.display_number,
            "line_item_ids": line_ids or link.line_item_ids, "xero_status": result.status or link.xero_status}
        if self._cancelled(record):
            return fields
        fields.update(xero_total=result.total, xero_remaining_credit=result.remaining_credit)
        difference = totals_difference(record, result)
        if difference:
            self.differing.add(record.pk)
            fields.update(status=LinkStatus.DIFFERS, last_error=difference, error_cause=CAUSE_TOTALS_DIFFER)
            self.log.warning(difference, record=self.label(record), cause=CAUSE_TOTALS_DIFFER)
        return fields

    def confirm(self, records: list[CreditNote]) -> None:
        """Credit notes Xero holds as BMS does become Processed (from then on Xero owns their refunds;
        those entered before follow it, refunds_push.py)."""
        credit_notes_mark_processed(credit_note_ids=[c.pk for c in records
                                                     if not self._cancelled(c) and c.pk not in self.differing])


def credit_notes_push(*, tenant: XeroTenant, credit_notes: Iterable[CreditNote], client: XeroAccountingClient,
                      log: SyncLog, chart: ChartCheck | None = None) -> SyncOutcome:
    """The credit notes, then their allocations: allocations reversed in BMS are removed in Xero first
    (Xero voids a credit note only once its allocations are gone), new ones sent once both their
    credit note and their invoice are in Xero."""
    ids = [c.pk for c in credit_notes]
    chart = chart or ChartCheck(client)
    removed = credit_allocations_push(tenant=tenant, client=client, log=log, removals=True)
    try:
        records = credit_notes_for_push(CreditNote.objects.filter(pk__in=ids))
        outcome = SyncOutcome()
        if records:
            _sync_missing_contacts(tenant, records, client, log)
            contact_statuses_refresh(tenant=tenant, client=client, customer_ids={c.customer_id for c in records},
                                     log=log)
            adapter = CreditNotePush(tenant=tenant, client=client, log=log, chart=chart, credit_notes=records)
            outcome = push(adapter, records)
    finally:
        chart.close()
    sent = credit_allocations_push(tenant=tenant, client=client, log=log, removals=False)
    for what, allocations in (("removed", removed), ("sent", sent)):
        if not allocations.is_empty:
            log.info(f"Allocations {what}: {allocations.summary()}.")
    # Refunds entered before their credit note was sent follow it, once its allocations are in.
    refunds_send(tenant=tenant, client=client, log=log)
    return outcome


def credit_notes_for_push(credit_notes: QuerySet[CreditNote]) -> list[CreditNote]:
    return list(credit_notes.select_related("entity", "customer", "invoice")
                .prefetch_related("lines__account", "lines__tax_rate").order_by("pk"))


def _sync_missing_contacts(tenant: XeroTenant, credit_notes: list[CreditNote], client: XeroAccountingClient,
                           log: SyncLog) -> None:
    customers = {c.customer_id: c.customer for c in credit_notes}
    synced = set(ContactLink.objects.filter(tenant=tenant, customer_id__in=customers, status=LinkStatus.SYNCED)
                 .values_list("customer_id", flat=True))
    missing = [customer for pk, customer in customers.items() if pk not in synced]
    if missing:
        outcome = contacts_sync(tenant=tenant, customers=missing, client=client, log=log)
        log.info(f"Customers synced on the way: {outcome.summary()}.")
