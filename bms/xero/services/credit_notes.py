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

from collections.abc import Iterable
from typing import Any, ClassVar

from django.db.models import QuerySet

from bms.billing.models import CreditNote, CreditNoteStatus
from bms.billing.services import credit_notes_mark_processed
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas_credit import CreditNote as XeroCreditNote
from bms.xero.models import CreditNoteLink, SyncLink, XeroTenant
from bms.xero.payloads import credit_note_payload, credit_note_void
from bms.xero.services.chart_check import ChartCheck
from bms.xero.services.contact_status import contact_statuses_refresh
from bms.xero.services.credit_allocations import credit_allocations_push
from bms.xero.services.go_live import credit_note_go_live_verdict
from bms.xero.services.refunds_push import refunds_send
from bms.xero.services.sales_push import SalesDocumentPush, sync_missing_contacts
from bms.xero.services.tracking_check import TrackingCheck
from bms.xero.sync.log import SyncLog, SyncOutcome
from bms.xero.sync.push import Refusal, Verdict, push

LOOKUP_SIZE = 40  # numbers per `where`: Xero recommends ~40 values in a filter


class CreditNotePush(SalesDocumentPush[CreditNote, XeroCreditNote]):
    kind = "credit_note"
    what = "credit notes"
    noun = "credit note"
    link_model: ClassVar[type[SyncLink]] = CreditNoteLink
    record_field = "credit_note"

    def __init__(self, *, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog, chart: ChartCheck,
                 credit_notes: list[CreditNote], tracking: TrackingCheck | None = None):
        super().__init__(tenant=tenant, client=client, log=log, chart=chart, documents=credit_notes,
                         tracking=tracking)
        # Credit note's Xero id → the AllocationIDs Xero's answer showed on it: what its allocations sent
        # next in the run know it held before them, without reading it again (credit_allocations.py).
        self.allocations_held: dict[str, set[str]] = {}

    def lookup(self, records: list[CreditNote]) -> dict[int, XeroCreditNote | Refusal]:
        found: dict[int, XeroCreditNote | Refusal] = {}
        for start in range(0, len(records), LOOKUP_SIZE):
            by_number = {note.display_number: note for note in records[start:start + LOOKUP_SIZE]}
            for xero_note in self.client.credit_notes_by_number(list(by_number)):
                note = by_number.get(xero_note.credit_note_number or "")
                if note is not None and xero_note.status != "DELETED":
                    found[note.pk] = xero_note
        return found

    def cancelled(self, record: CreditNote) -> bool:
        return record.status == CreditNoteStatus.CANCELLED

    def check_go_live(self, record: CreditNote, link: SyncLink) -> Verdict | None:
        if link.xero_id:  # one Xero already holds (e.g. a void to send) is never held back by the date
            return None
        return credit_note_go_live_verdict(record, self.go_live.get(record.entity_id))

    def check_customer(self, record: CreditNote, link: SyncLink) -> Verdict | None:
        return None if self.cancelled(record) else super().check_customer(record, link)

    def element(self, record: CreditNote, link: SyncLink, *, create: bool) -> XeroCreditNote:
        if self.cancelled(record) and link.xero_id:
            return credit_note_void(credit_note_id=link.xero_id)
        assert isinstance(link, CreditNoteLink)
        return credit_note_payload(
            record, contact_id=self.contacts[record.customer_id], tracking=self.tracking_of.get(record.pk, []),
            credit_note_id=None if create else link.xero_id, line_item_ids=None if create else link.line_item_ids,
            zero_rate_tax_type=self.tenant.zero_rate_tax_type)

    def send(self, client: XeroAccountingClient, elements: list[XeroCreditNote], *, create: bool,
             key: str) -> list[XeroCreditNote]:
        return (client.create_credit_notes if create else client.update_or_create_credit_notes)(
            elements, idempotency_key=key)

    def xero_id(self, result: XeroCreditNote) -> str:
        return result.credit_note_id or ""

    def success_fields(self, record: CreditNote, link: SyncLink, result: XeroCreditNote | None) -> dict[str, Any]:
        assert isinstance(link, CreditNoteLink)
        if result is None:
            return {"xero_number": link.xero_number or record.display_number}
        fields = self.written_fields(record, link, result, result.credit_note_number)
        if result.credit_note_id and result.allocations is not None:
            self.allocations_held[result.credit_note_id] = {
                found.allocation_id for found in result.live_allocations if found.allocation_id}
        if self.cancelled(record):
            return fields
        fields.update(xero_total=result.total, xero_remaining_credit=result.remaining_credit)
        return self.totals_checked(record, result, fields)

    def confirm(self, records: list[CreditNote]) -> None:
        """Credit notes Xero holds as BMS does become Processed (from then on Xero owns their refunds;
        those entered before follow it, refunds_push.py)."""
        credit_notes_mark_processed(credit_note_ids=[c.pk for c in records
                                                     if not self.cancelled(c) and c.pk not in self.differing])


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
        outcome, held = SyncOutcome(), {}
        if records:
            sync_missing_contacts(tenant, records, client, log)
            contact_statuses_refresh(tenant=tenant, client=client, customer_ids={c.customer_id for c in records},
                                     log=log)
            adapter = CreditNotePush(tenant=tenant, client=client, log=log, chart=chart, credit_notes=records)
            outcome, held = push(adapter, records), adapter.allocations_held
    finally:
        chart.close()
    sent = credit_allocations_push(tenant=tenant, client=client, log=log, removals=False, held=held)
    for what, allocations in (("removed", removed), ("sent", sent)):
        if not allocations.is_empty:
            log.info(f"Allocations {what}: {allocations.summary()}.")
    # Refunds entered before their credit note was sent follow it, once its allocations are in.
    refunds_send(tenant=tenant, client=client, log=log)
    return outcome


def credit_notes_for_push(credit_notes: QuerySet[CreditNote]) -> list[CreditNote]:
    return list(credit_notes.select_related("entity", "customer", "invoice")
                .prefetch_related("lines__account", "lines__tax_rate").order_by("pk"))
