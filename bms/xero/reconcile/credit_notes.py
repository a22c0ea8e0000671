"""Credit notes (issue 19 item 5): every credit note linked to the organisation (sent by BMS, or made
in Xero and pulled) dated in the range, beside Xero's ACCRECCREDIT credit notes of the same dates,
read in pages. Compared: status (cancelled in BMS, voided in Xero), TotalTax, Total and SubTotal, and
the credit left (Xero's RemainingCredit against BMS's, which its allocations and refunds set).

One cause per record, in the order a person fixes them: missing → status → tax → totals → credit left."""

from __future__ import annotations

from datetime import datetime

from bms.billing.models import CreditNote, CreditNoteStatus, Invoice
from bms.xero.client.api import Page, XeroAccountingClient
from bms.xero.client.schemas_credit import CreditNote as XeroCreditNote
from bms.xero.models import CreditNoteLink
from bms.xero.reconcile.causes import Cause
from bms.xero.reconcile.documents import DocumentKind, amounts_differing, differ
from bms.xero.reconcile.registry import (
    GONE,
    PAGE_SIZE,
    Finding,
    Scope,
    register_kind,
)


def credit_note_compare(note: CreditNote, xero: XeroCreditNote) -> Finding | None:
    """The one thing to fix about this credit note, or None when BMS and Xero agree."""
    number, status, xero_id = note.display_number, xero.status or "", xero.credit_note_id
    cancelled = note.status == CreditNoteStatus.CANCELLED
    if cancelled != (status in GONE):
        ours = note.get_status_display()
        return differ(Cause.STATUS, note, xero_id, f"Credit note {number} is {ours} in BMS but {status} in Xero.",
                      ours, status)
    if cancelled:
        return None
    return amounts_differing(note, xero_id, (
        (Cause.TAX, xero.total_tax, note.tax_amount, "Xero's tax for credit note {number} is {theirs}, BMS's {ours}."),
        (Cause.TOTALS, xero.total, note.total_amount,
         "Xero's total for credit note {number} is {theirs}, BMS's {ours}."),
        (Cause.TOTALS, xero.sub_total, note.subtotal_amount,
         "Xero's subtotal for credit note {number} is {theirs}, BMS's {ours}."),
        (Cause.CREDIT_LEFT, xero.remaining_credit, note.remaining_credit,
         "Xero says {theirs} of credit note {number} is left, BMS {ours}.")))


class CreditNoteKind(DocumentKind[XeroCreditNote, CreditNoteLink]):
    name = "credit_note"
    title = "Credit notes"
    xero_type = "ACCRECCREDIT"
    link_model = CreditNoteLink
    document_field = "credit_note"

    def page(self, client: XeroAccountingClient, *, where: str, page: int,
             since: datetime | None) -> Page[XeroCreditNote]:
        return client.get_credit_notes(where=where, page=page, page_size=PAGE_SIZE, if_modified_since=since)

    def identity(self, item: XeroCreditNote) -> tuple[str, str, str]:
        return item.credit_note_id or "", item.credit_note_number or "", item.status or ""

    def compare(self, link: CreditNoteLink, theirs: XeroCreditNote) -> Finding | None:
        return credit_note_compare(link.credit_note, theirs)

    def prefixes(self, scope: Scope) -> tuple[str, ...]:
        return tuple(entity.credit_note_number_prefix for entity in scope.entities)

    def missing_text(self, document: Invoice | CreditNote) -> str:
        return f"Credit note {document.display_number} was sent, but Xero has none with its id."

    def unlinked_text(self, number: str, status: str) -> str:
        return (f"Xero holds credit note {number} ({status}), numbered like a BMS credit note, but no BMS credit "
                "note is linked to it.")


register_kind(CreditNoteKind())
