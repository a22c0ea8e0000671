"""Credit notes: made from an invoice (whole, chosen lines, or an amount) or for a customer alone,
released like an invoice, cancelled, confirmed by the accounting system, and corrections.

Released = eligible for Xero. A credit note for an invoice is allocated to it on release, as far as
the invoice still owes; what is left (a return after payment) stays the customer's credit, to
allocate to another invoice or refund. Allocations and refunds: credits.py (re-exported here).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from bms.billing.models import CreditNote, CreditNoteStatus, CreditSource, Invoice, InvoiceLine, InvoiceStatus
from bms.billing.services.credit_lines import (
    CreditNoteLineData,
    create_numbered,
    line_from_invoice_line,
    refuse_over_invoice,
    validate_lines,
    write_lines,
)
from bms.billing.services.credit_xero import credit_note_record_from_xero
from bms.billing.services.credits import (
    TRANSITIONS,
    allocate_locked,
    credit_allocate,
    credit_allocation_reverse,
    entity_today,
    refund_record,
    refund_reverse,
    transition,
)
from bms.billing.services.invoices import (
    InvoiceLineData,
    _places,
    _refuse_unusable_accounts,
    _user_or_none,
    _validate_currency,
    invoice_create,
)
from bms.billing.signals import credit_note_cancelled, credit_note_released
from bms.core.audit import audit_record
from bms.core.dates import refuse_out_of_range
from bms.core.errors import DomainError
from bms.core.money import ZERO, LineAmountType, round_money
from bms.customers.models import Customer
from bms.entities.models import Entity
from bms.preferences.selectors import general_settings

__all__ = [
    "TRANSITIONS", "CreditNoteLineData", "credit_allocate", "credit_allocation_reverse", "credit_note_can_become",
    "credit_note_cancel", "credit_note_create_from_invoice", "credit_note_create_standalone",
    "credit_note_mark_processed", "credit_note_record_from_xero", "credit_note_release", "credit_note_update",
    "credit_notes_mark_processed", "invoice_correct", "refund_record", "refund_reverse",
]


def credit_note_can_become(*, credit_note: CreditNote, status: str) -> bool:
    return status in TRANSITIONS.get(credit_note.status, frozenset())


def _refuse_uncreditable(invoice: Invoice) -> None:
    if not invoice.is_released:
        raise DomainError(f"Invoice {invoice.display_number} is {invoice.get_status_display().lower()}: only a "
                          "released invoice can be credited.")


def _lines_by_amount(invoice: Invoice, amount: Decimal) -> tuple[list[CreditNoteLineData], str]:
    """An amount (tax included) spread over the invoice's accounts and tax rates in proportion to what
    each carried, one tax-inclusive line each: the lines add up to the amount to the cent, and each
    part keeps its own tax. The last part takes the rounding remainder."""
    if not isinstance(amount, Decimal):
        raise TypeError("amounts are Decimal, never float")
    if amount <= 0 or _places(amount) > 2:
        raise DomainError("Enter an amount of more than zero, in whole cents.", field="amount")
    groups: dict[tuple[int, int | None], list[InvoiceLine]] = {}
    for line in invoice.lines.select_related("account", "tax_rate"):
        groups.setdefault((line.account_id, line.tax_rate_id), []).append(line)
    inclusive = invoice.line_amount_type == LineAmountType.INCLUSIVE
    gross = {key: sum((line.line_amount + (ZERO if inclusive else line.tax_amount) for line in rows), ZERO)
             for key, rows in groups.items()}
    whole = sum(gross.values(), ZERO)
    if whole <= 0:
        raise DomainError(f"Invoice {invoice.display_number} has nothing to credit.")
    lines, given = [], ZERO
    for index, (key, rows) in enumerate(groups.items()):
        share = amount - given if index == len(groups) - 1 else round_money(amount * gross[key] / whole)
        given += share
        if share <= 0:
            continue
        tax = f" ({rows[0].tax_rate.name})" if len(groups) > 1 and rows[0].tax_rate else ""
        lines.append(CreditNoteLineData(description=f"Credit on invoice {invoice.display_number}{tax}",
                                        quantity=Decimal("1"), unit_price=share, account=rows[0].account,
                                        tax_rate=rows[0].tax_rate))
    no_tax = invoice.line_amount_type == LineAmountType.NO_TAX
    return lines, LineAmountType.NO_TAX if no_tax else LineAmountType.INCLUSIVE


def _lines_from_invoice(invoice: Invoice, lines, amount, whole) -> tuple[list[CreditNoteLineData], str]:
    if sum(1 for way in (lines is not None, amount is not None, whole) if way) > 1:
        raise TypeError("credit either chosen lines, an amount, or the whole invoice")
    if amount is not None:
        return _lines_by_amount(invoice, amount)
    if lines is None:  # the whole invoice: whatever earlier credit notes left of each line
        from bms.billing.services.credit_lines import credited_quantities

        done = credited_quantities(invoice)
        chosen = [(line, line.quantity - done.get(line.pk, ZERO)) for line in invoice.lines.all()]
        lines = [(line, quantity) for line, quantity in chosen if quantity > 0]
        if not lines:
            raise DomainError(f"Invoice {invoice.display_number} is already fully credited.")
    if not lines:
        raise DomainError("Choose at least one line to credit, with a quantity.", field="lines")
    return [line_from_invoice_line(line, quantity) for line, quantity in lines], invoice.line_amount_type


def credit_note_create_from_invoice(
    *, invoice: Invoice, lines: list[tuple[InvoiceLine, Decimal]] | None = None, amount: Decimal | None = None,
    whole: bool = False, issued_on: date | None = None, reference: str | None = None, user=None,
    now: datetime | None = None,
) -> CreditNote:
    """A draft credit note for a released invoice: the whole of it (the default), chosen lines with
    quantities, or an amount including tax. No line returns more than was invoiced and the invoice's
    credit notes together never exceed its total; the invoice row is locked while this is checked."""
    now = now or timezone.now()
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("entity", "customer").get(pk=invoice.pk)
        _refuse_uncreditable(invoice)
        data, line_amount_type = _lines_from_invoice(invoice, lines, amount, whole)
        validate_lines(data)
        issued_on = issued_on or max(invoice.issued_on, entity_today(invoice.entity, now))
        refuse_out_of_range(issued_on, field="issued_on")
        if issued_on < invoice.issued_on:
            raise DomainError(f"A credit note can't be dated before its invoice ({invoice.issued_on:%d/%m/%Y}).",
                              field="issued_on")
        refuse_over_invoice(invoice, data, line_amount_type)
        return create_numbered(
            entity=invoice.entity, customer=invoice.customer, issued_on=issued_on, lines=data,
            currency=invoice.currency, line_amount_type=line_amount_type,
            reference=f"Credit for {invoice.display_number}" if reference is None else reference,
            invoice=invoice, created_by=user)


def credit_note_create_standalone(
    *, customer: Customer, entity: Entity, lines: list[CreditNoteLineData], issued_on: date,
    currency: str | None = None, line_amount_type: str = LineAmountType.EXCLUSIVE, reference: str = "", user=None,
) -> CreditNote:
    """A draft credit note for a customer, against no invoice (a goodwill credit, a rebate)."""
    validate_lines(lines)
    if any(line.invoice_line is not None for line in lines):
        raise DomainError("A credit note for no invoice can't return invoice lines: create it from the invoice.",
                          field="lines")
    return create_numbered(entity=entity, customer=customer, issued_on=issued_on, lines=lines,
                           currency=currency or general_settings().default_currency,
                           line_amount_type=line_amount_type, reference=reference, invoice=None, created_by=user)


_DRAFT_FIELDS = {"customer", "issued_on", "currency", "line_amount_type", "reference"}


def credit_note_update(*, credit_note: CreditNote, lines: list[CreditNoteLineData], **fields) -> CreditNote:
    """Replace a draft's header fields and lines. One made from an invoice keeps its invoice's
    customer and currency, and stays within what the invoice has left to credit."""
    unknown = set(fields) - _DRAFT_FIELDS
    if unknown:
        raise TypeError(f"unexpected credit note fields {sorted(unknown)}")
    refuse_out_of_range(fields.get("issued_on"), field="issued_on")
    validate_lines(lines)
    if "currency" in fields:
        fields["currency"] = _validate_currency(fields["currency"])
    if fields.get("line_amount_type", LineAmountType.EXCLUSIVE) not in LineAmountType.values:
        raise DomainError(f"“{fields['line_amount_type']}” is not a line amount type.", field="line_amount_type")
    with transaction.atomic():
        invoice = (Invoice.objects.select_for_update().get(pk=credit_note.invoice_id)
                   if credit_note.invoice_id else None)
        credit_note = CreditNote.objects.select_for_update().select_related("entity").get(pk=credit_note.pk)
        if credit_note.status != CreditNoteStatus.DRAFT:
            raise DomainError(f"Credit note {credit_note.display_number} is "
                              f"{credit_note.get_status_display().lower()}: only drafts can change.")
        for name, value in fields.items():
            if invoice is not None and name in ("customer", "currency") and value != getattr(invoice, name):
                raise DomainError(f"A credit note for invoice {invoice.display_number} keeps its {name}.", field=name)
            setattr(credit_note, name, value.strip()[:255] if name == "reference" else value)
        if invoice is not None:
            refuse_over_invoice(invoice, lines, credit_note.line_amount_type, excluding=credit_note)
        elif any(line.invoice_line is not None for line in lines):
            raise DomainError("A credit note for no invoice can't return invoice lines.", field="lines")
        write_lines(credit_note, lines)
        credit_note.remaining_credit = credit_note.total_amount
        credit_note.save()
    return credit_note


def credit_note_release(*, credit_note: CreditNote, user=None, now: datetime | None = None) -> CreditNote:
    """Release: the credit note becomes eligible for Xero and its credit usable. One made for an
    invoice is allocated to it at once, up to what the invoice still owes."""
    now = now or timezone.now()
    with transaction.atomic():
        invoice = (Invoice.objects.select_for_update().get(pk=credit_note.invoice_id)
                   if credit_note.invoice_id else None)
        credit_note = (CreditNote.objects.select_for_update().select_related("entity", "customer")
                       .get(pk=credit_note.pk))
        transition(credit_note, CreditNoteStatus.APPROVED)
        if invoice is not None and invoice.status == InvoiceStatus.CANCELLED:
            raise DomainError(f"Invoice {invoice.display_number} was cancelled after this credit note was drafted: "
                              "there is nothing to credit; cancel the credit note.")
        lines = list(credit_note.lines.select_related("account"))
        if not lines or credit_note.total_amount <= 0:
            raise DomainError(f"Credit note {credit_note.display_number} credits nothing: add a line with an amount "
                              "before releasing it.", field="lines")
        _refuse_unusable_accounts([line.account for line in lines])
        credit_note.approved_at, credit_note.approved_by = now, _user_or_none(user)
        credit_note.remaining_credit = credit_note.total_amount
        credit_note.save()
        audit_record(actor=user, action="billing.credit_note_released", target=f"credit note {credit_note}",
                     after={"total": str(credit_note.total_amount), "invoice": str(invoice or "")})
        credit_note_id = credit_note.pk
        transaction.on_commit(lambda: credit_note_released.send(sender=CreditNote, credit_note_id=credit_note_id),
                              robust=True)
        if invoice is not None and invoice.status in (InvoiceStatus.APPROVED, InvoiceStatus.PROCESSED):
            amount = min(credit_note.remaining_credit, invoice.balance_amount)
            if amount > 0:
                allocate_locked(credit_note=credit_note, invoice=invoice, amount=amount,
                                on=max(credit_note.issued_on, invoice.issued_on), source=CreditSource.BMS,
                                actor=user, now=now)
    return credit_note


def credit_note_cancel(*, credit_note: CreditNote, user=None, now: datetime | None = None) -> CreditNote:
    """Cancel a draft or a released credit note whose credit is unused (allocations and refunds are
    reversed first, each a decision of its own). A released one is then voided in Xero."""
    now = now or timezone.now()
    with transaction.atomic():
        credit_note = CreditNote.objects.select_for_update().select_related("entity").get(pk=credit_note.pk)
        # Said before the lifecycle's own refusal: a fully used credit note is Completed, and what
        # the user needs to hear is which allocation or refund to reverse.
        standing = credit_note.allocations.filter(reversed_at__isnull=True).select_related("invoice").first()
        if standing is not None:
            raise DomainError(f"Credit note {credit_note} is allocated to invoice {standing.invoice.display_number}: "
                              "reverse that allocation first.")
        if credit_note.refunds.filter(reversed_at__isnull=True).exists():
            raise DomainError(f"Credit note {credit_note} has been refunded: reverse the refund first.")
        was = credit_note.get_status_display()
        transition(credit_note, CreditNoteStatus.CANCELLED)
        credit_note.cancelled_at, credit_note.cancelled_by = now, _user_or_none(user)
        credit_note.remaining_credit = ZERO
        credit_note.revision += 1  # a change to send (a void), not a retry
        credit_note.save()
        audit_record(actor=user, action="billing.credit_note_cancelled", target=f"credit note {credit_note}",
                     before={"status": was})
        credit_note_id = credit_note.pk
        transaction.on_commit(lambda: credit_note_cancelled.send(sender=CreditNote, credit_note_id=credit_note_id),
                              robust=True)
    return credit_note


def credit_notes_mark_processed(*, credit_note_ids: list[int], now: datetime | None = None) -> int:
    """Xero confirmed it holds these credit notes: Released → Processed; a completed one records the
    confirmation (a later reversal re-opens it as Processed). Confirming again changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = CreditNote.objects.filter(pk__in=credit_note_ids, status=CreditNoteStatus.APPROVED).update(
            status=CreditNoteStatus.PROCESSED, processed_at=Coalesce("processed_at", Value(now)), updated_at=now)
        CreditNote.objects.filter(pk__in=credit_note_ids, status=CreditNoteStatus.COMPLETED,
                                  processed_at__isnull=True).update(processed_at=now, updated_at=now)
    return changed


def credit_note_mark_processed(*, credit_note: CreditNote, now: datetime | None = None) -> CreditNote:
    with transaction.atomic():
        credit_note = CreditNote.objects.select_for_update().select_related("entity").get(pk=credit_note.pk)
        if credit_note.status not in (CreditNoteStatus.PROCESSED, CreditNoteStatus.COMPLETED):
            transition(credit_note, CreditNoteStatus.PROCESSED)  # raises for anything but Released
        credit_notes_mark_processed(credit_note_ids=[credit_note.pk], now=now)
    return CreditNote.objects.get(pk=credit_note.pk)


def invoice_correct(*, invoice: Invoice, user=None, now: datetime | None = None) -> tuple[CreditNote, Invoice]:
    """Correct a released invoice: a released credit note for whatever of it is not yet credited
    (allocated to it as far as it still owes), and a new draft invoice with the same customer,
    header and lines to edit. The original stays as it is, in BMS and in Xero."""
    now = now or timezone.now()
    with transaction.atomic():
        credit_note = credit_note_create_from_invoice(invoice=invoice, reference=f"Correction of {invoice}",
                                                      user=user, now=now)
        credit_note = credit_note_release(credit_note=credit_note, user=user, now=now)
        lines = [InvoiceLineData(description=line.description, quantity=line.quantity, unit_price=line.unit_price,
                                 account=line.account, tax_rate=line.tax_rate, product=line.product)
                 for line in invoice.lines.select_related("account", "tax_rate", "product")]
        draft = invoice_create(entity=invoice.entity, customer=invoice.customer, issued_on=credit_note.issued_on,
                               lines=lines, currency=invoice.currency, line_amount_type=invoice.line_amount_type,
                               reference=invoice.reference, created_by=user)
        audit_record(actor=user, action="billing.invoice_corrected", target=f"invoice {invoice}",
                     after={"credit_note": str(credit_note), "new_invoice": str(draft)})
    return credit_note, draft
