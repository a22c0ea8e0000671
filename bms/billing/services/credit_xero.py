"""Credit notes made in Xero, recorded in BMS: read-only here, keeping Xero's number.

The Xero package calls this with plain values it read from Xero and keeps the CreditNoteID on its
own link row (unique per tenant), which makes a pull that runs twice — or two pulls at once —
record one credit note: it passes the credit note its link points to, and None only the first time.
Allocations and refunds made in Xero go through credit_allocate/refund_record with source "xero".
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from bms.billing.models import CreditNote, CreditNoteStatus, CreditSource, Invoice
from bms.billing.services.credit_lines import CreditNoteLineData, validate_lines, write_lines
from bms.billing.services.credits import settle_credit, transition
from bms.billing.services.invoices import _validate_currency
from bms.core.audit import audit_record
from bms.core.errors import DomainError
from bms.core.money import ZERO, LineAmountType
from bms.customers.models import Customer
from bms.entities.models import Entity


def _refuse_in_use(credit_note: CreditNote) -> None:
    if credit_note.allocations.filter(reversed_at__isnull=True).exists() or credit_note.refunds.filter(
            reversed_at__isnull=True).exists():
        raise DomainError(f"Credit note {credit_note} is voided in Xero but still allocated or refunded in BMS: "
                          "reverse the allocations and refunds Xero removed first.")


def _void(credit_note: CreditNote, now: datetime) -> None:
    _refuse_in_use(credit_note)
    transition(credit_note, CreditNoteStatus.CANCELLED)
    credit_note.cancelled_at = now
    credit_note.remaining_credit = ZERO


def credit_note_record_from_xero(
    *, entity: Entity, customer: Customer, xero_number: str, issued_on: date, currency: str, line_amount_type: str,
    lines: list[CreditNoteLineData], reference: str = "", invoice: Invoice | None = None,
    credit_note: CreditNote | None = None, voided: bool = False, now: datetime | None = None,
) -> CreditNote:
    """Create (credit_note=None) or update a credit note made in Xero, as Xero holds it: Processed
    (Xero holds it), its credit used as the allocations and refunds recorded against it say. A change
    in Xero that would leave less credit than is already used, or a void while BMS still shows it
    used, is refused with a DomainError: that record fails alone, the pull goes on."""
    now = now or timezone.now()
    if not xero_number.strip():
        raise DomainError("A credit note from Xero needs its number.")
    if line_amount_type not in LineAmountType.values:
        raise DomainError(f"“{line_amount_type}” is not a line amount type.", field="line_amount_type")
    if invoice is not None and invoice.customer_id != customer.pk:
        raise DomainError(f"Invoice {invoice.display_number} is for another customer than credit note {xero_number}.")
    validate_lines(lines, from_xero=True)
    header = {"entity": entity, "customer": customer, "xero_number": xero_number.strip()[:255],
              "issued_on": issued_on, "currency": _validate_currency(currency), "line_amount_type": line_amount_type,
              "reference": reference.strip()[:255], "invoice": invoice}
    with transaction.atomic():
        if credit_note is None:
            credit_note = CreditNote(source=CreditSource.XERO, status=CreditNoteStatus.PROCESSED, approved_at=now,
                                     processed_at=now, **header)
            credit_note.save()
            write_lines(credit_note, lines)
            credit_note.remaining_credit = credit_note.total_amount
            if voided:
                _void(credit_note, now)
            else:
                settle_credit(credit_note, now)
            credit_note.save()
            audit_record(actor=None, action="billing.credit_note_from_xero", target=f"credit note {xero_number}",
                         after={"total": str(credit_note.total_amount), "invoice": str(invoice or "")})
            return credit_note
        credit_note = CreditNote.objects.select_for_update().select_related("entity").get(pk=credit_note.pk)
        if credit_note.source != CreditSource.XERO:
            raise DomainError(f"Credit note {credit_note} was made in BMS: Xero's changes to it come back through "
                              "the sync, not as a credit note made in Xero.")
        if credit_note.status == CreditNoteStatus.CANCELLED:
            return credit_note  # voided in Xero: nothing comes back from a void
        if voided:
            _void(credit_note, now)
            credit_note.save()
            return credit_note
        used = credit_note.total_amount - credit_note.remaining_credit
        for name, value in header.items():
            setattr(credit_note, name, value)
        write_lines(credit_note, lines)
        if credit_note.total_amount < used:
            raise DomainError(f"Credit note {credit_note} now totals {credit_note.total_amount} in Xero, less than "
                              f"the {used} BMS shows allocated or refunded: pull its allocations first.")
        credit_note.remaining_credit = credit_note.total_amount - used
        credit_note.revision += 1
        settle_credit(credit_note, now)
        credit_note.save()
    return credit_note
