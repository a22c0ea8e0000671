"""Using credit: allocating a credit note to an invoice, refunding it in cash, and undoing either.

An allocation lowers the invoice's balance (completing it at zero) and the credit note's
remaining credit (completing it at zero); a reversal puts both back. Rows are reversed, never
deleted. Rows are always locked invoice first, then credit note, so two of these never deadlock.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from bms.billing.models import (
    CreditAllocation,
    CreditNote,
    CreditNoteStatus,
    CreditSource,
    Invoice,
    InvoiceStatus,
    Refund,
)
from bms.billing.services.invoices import _places
from bms.billing.services.payments import _settle as _settle_invoice
from bms.billing.signals import (
    credit_allocated,
    credit_allocation_check,
    credit_allocation_reversed,
    refund_reverse_check,
)
from bms.core.audit import audit_record
from bms.core.dates import refuse_out_of_range
from bms.core.errors import DomainError, InvalidTransitionError
from bms.core.money import ZERO
from bms.core.tz import trading_day
from bms.entities.models import Entity
from bms.entities.selectors import entity_time_zone

# Credit note lifecycle, as the invoices': Completed = nothing left to use; a reversal re-opens it.
TRANSITIONS: dict[str, frozenset[str]] = {
    CreditNoteStatus.DRAFT: frozenset({CreditNoteStatus.APPROVED, CreditNoteStatus.CANCELLED}),
    CreditNoteStatus.APPROVED: frozenset({CreditNoteStatus.PROCESSED, CreditNoteStatus.COMPLETED,
                                          CreditNoteStatus.CANCELLED}),
    CreditNoteStatus.PROCESSED: frozenset({CreditNoteStatus.COMPLETED, CreditNoteStatus.CANCELLED}),
    CreditNoteStatus.COMPLETED: frozenset({CreditNoteStatus.PROCESSED, CreditNoteStatus.APPROVED}),
    CreditNoteStatus.CANCELLED: frozenset(),
}


def transition(credit_note: CreditNote, to: str) -> None:
    """The one guard every credit note status change passes through."""
    if to not in TRANSITIONS.get(credit_note.status, frozenset()):
        raise InvalidTransitionError(
            f"Credit note {credit_note.display_number} is {credit_note.get_status_display().lower()}; it can't "
            f"become {CreditNoteStatus(to).label.lower()}.")
    credit_note.status = to


def settle_credit(credit_note: CreditNote, now: datetime) -> None:
    """Move between Completed and open as the remaining credit reaches or leaves zero."""
    if credit_note.remaining_credit == ZERO and credit_note.status in (CreditNoteStatus.APPROVED,
                                                                       CreditNoteStatus.PROCESSED):
        transition(credit_note, CreditNoteStatus.COMPLETED)
        credit_note.completed_at = now
    elif credit_note.remaining_credit > ZERO and credit_note.status == CreditNoteStatus.COMPLETED:
        transition(credit_note, CreditNoteStatus.PROCESSED if credit_note.processed_at else CreditNoteStatus.APPROVED)
        credit_note.completed_at = None


def entity_today(entity: Entity, now: datetime) -> date:
    return trading_day(now, entity_time_zone(entity))


def _check_amount(amount: Decimal) -> None:
    if not isinstance(amount, Decimal):
        raise TypeError("amounts are Decimal, never float")
    if amount <= 0:
        raise DomainError("The amount must be more than zero.", field="amount")
    if _places(amount) > 2:
        raise DomainError("The amount is in whole cents.", field="amount")


def _refuse_allocation(credit_note: CreditNote, invoice: Invoice, amount: Decimal, on: date) -> None:
    """Why BMS won't apply this credit to this invoice, in words a finance user can act on."""
    cn, inv = credit_note.display_number, invoice.display_number
    if credit_note.status not in (CreditNoteStatus.APPROVED, CreditNoteStatus.PROCESSED):
        raise DomainError(f"Credit note {cn} is {credit_note.get_status_display().lower()}: only a released credit "
                          "note with credit left can be allocated.")
    if credit_note.source == CreditSource.XERO:
        raise DomainError(f"Credit note {cn} was made in Xero: allocate it there; BMS shows it after the next pull.")
    if invoice.status not in (InvoiceStatus.APPROVED, InvoiceStatus.PROCESSED):
        owed = "nothing is owed on it" if invoice.status == InvoiceStatus.COMPLETED else "it isn't released"
        raise DomainError(f"Invoice {inv} is {invoice.get_status_display().lower()}: {owed}.", field="invoice")
    if invoice.customer_id != credit_note.customer_id:
        raise DomainError(f"Invoice {inv} is for {invoice.customer}, not {credit_note.customer}: credit goes to the "
                          "same customer's invoices only.", field="invoice")
    if invoice.entity_id != credit_note.entity_id:
        raise DomainError(f"Invoice {inv} belongs to {invoice.entity}, the credit note to {credit_note.entity}.",
                          field="invoice")
    if invoice.currency != credit_note.currency:
        raise DomainError(f"Invoice {inv} is in {invoice.currency} and the credit note in {credit_note.currency}: "
                          "credit is allocated in the same currency only.", field="invoice")
    if amount > invoice.balance_amount:
        raise DomainError(f"{amount} is more than the {invoice.balance_amount} still owed on invoice {inv}: a credit "
                          "can't take an invoice below zero.", field="amount")
    if amount > credit_note.remaining_credit:
        raise DomainError(f"{amount} is more than the {credit_note.remaining_credit} of credit left on {cn}.",
                          field="amount")
    if on < credit_note.issued_on or on < invoice.issued_on:
        raise DomainError(f"Credit can't be allocated before both documents exist: date it on or after "
                          f"{max(credit_note.issued_on, invoice.issued_on):%d/%m/%Y}.", field="allocated_on")
    for _receiver, reason in credit_allocation_check.send(sender=CreditAllocation, credit_note=credit_note,
                                                          invoice=invoice):
        if reason:
            raise DomainError(reason, field="invoice")


def allocate_locked(*, credit_note: CreditNote, invoice: Invoice, amount: Decimal, on: date, source: str,
                    actor, now: datetime) -> CreditAllocation:
    """Allocate with both rows already locked by the caller (release allocates this way)."""
    if source == CreditSource.BMS:
        _refuse_allocation(credit_note, invoice, amount, on)
    allocation = CreditAllocation.objects.create(credit_note=credit_note, invoice=invoice, amount=amount,
                                                 allocated_on=on, source=source)
    # What Xero reports happened is recorded even past BMS's figures (they may lag); both stop at zero.
    invoice.balance_amount = max(ZERO, invoice.balance_amount - amount)
    _settle_invoice(invoice, now)
    invoice.save()
    credit_note.remaining_credit = max(ZERO, credit_note.remaining_credit - amount)
    settle_credit(credit_note, now)
    credit_note.save()
    audit_record(actor=actor, action="billing.credit_allocated", target=f"credit note {credit_note.display_number}",
                 after={"invoice": invoice.display_number, "amount": str(amount), "on": on.isoformat(),
                        "source": source})
    _send_after_commit(credit_allocated, allocation)
    return allocation


def _send_after_commit(signal, allocation: CreditAllocation) -> None:
    ids = {"allocation_id": allocation.pk, "credit_note_id": allocation.credit_note_id,
           "invoice_id": allocation.invoice_id, "source": allocation.source}
    transaction.on_commit(lambda: signal.send(sender=CreditAllocation, **ids), robust=True)


def credit_allocate(*, credit_note: CreditNote, invoice: Invoice, amount: Decimal, on: date | None = None,
                    source: str = CreditSource.BMS, actor=None, now: datetime | None = None) -> CreditAllocation:
    """Apply credit to an invoice. Made in BMS, it never exceeds the invoice's balance nor the credit
    left, and goes between the same customer, entity and currency; the DomainError says which rule
    refused it. Pulled from Xero (source "xero"), it is Xero's truth and always recorded."""
    now = now or timezone.now()
    _check_amount(amount)
    refuse_out_of_range(on, field="allocated_on")
    if source not in CreditSource.values:
        raise DomainError(f"“{source}” is not a source.")
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("entity", "customer").get(pk=invoice.pk)
        credit_note = (CreditNote.objects.select_for_update().select_related("entity", "customer")
                       .get(pk=credit_note.pk))
        return allocate_locked(credit_note=credit_note, invoice=invoice, amount=amount,
                               on=on or entity_today(credit_note.entity, now), source=source, actor=actor, now=now)


def credit_allocation_reverse(*, allocation: CreditAllocation, actor=None,
                              now: datetime | None = None) -> CreditAllocation:
    """Take an allocation off (removed in Xero, or undone here): the invoice owes it again and the
    credit note has it back. Reversing twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=allocation.invoice_id)
        credit_note = CreditNote.objects.select_for_update().select_related("entity").get(pk=allocation.credit_note_id)
        allocation = CreditAllocation.objects.select_for_update().get(pk=allocation.pk)
        if allocation.reversed_at is not None:
            return allocation
        if invoice.status == InvoiceStatus.CANCELLED:
            raise DomainError(f"Invoice {invoice.display_number} is cancelled; its credit can't be restored.")
        allocation.reversed_at = now
        allocation.save(update_fields=["reversed_at"])
        invoice.balance_amount = min(invoice.total_amount, invoice.balance_amount + allocation.amount)
        _settle_invoice(invoice, now)
        invoice.save()
        credit_note.remaining_credit = min(credit_note.total_amount, credit_note.remaining_credit + allocation.amount)
        settle_credit(credit_note, now)
        credit_note.save()
        audit_record(actor=actor, action="billing.credit_allocation_reversed",
                     target=f"credit note {credit_note.display_number}",
                     before={"invoice": invoice.display_number, "amount": str(allocation.amount)})
        _send_after_commit(credit_allocation_reversed, allocation)
    return allocation


def refund_record(*, credit_note: CreditNote, amount: Decimal, paid_on: date, reference: str = "",
                  source: str = CreditSource.BMS, actor=None, now: datetime | None = None) -> Refund:
    """Credit paid back in cash. Once the accounting system holds the credit note it owns the cash
    side, as it owns receipts: the refund is recorded there and comes back with the pull."""
    now = now or timezone.now()
    _check_amount(amount)
    refuse_out_of_range(paid_on, field="paid_on")
    with transaction.atomic():
        credit_note = CreditNote.objects.select_for_update().select_related("entity").get(pk=credit_note.pk)
        cn = credit_note.display_number
        if source == CreditSource.BMS:
            if credit_note.status not in (CreditNoteStatus.APPROVED, CreditNoteStatus.PROCESSED):
                raise DomainError(f"Credit note {cn} is {credit_note.get_status_display().lower()}: only a released "
                                  "credit note with credit left can be refunded.")
            if credit_note.processed_at is not None:
                raise DomainError(f"Credit note {cn} has been sent to the accounting system, which now owns its "
                                  "refunds: record the refund there (in Xero, as a payment on the credit note); BMS "
                                  "shows it after the next pull.", field="amount")
            if amount > credit_note.remaining_credit:
                raise DomainError(f"{amount} is more than the {credit_note.remaining_credit} of credit left on {cn}.",
                                  field="amount")
            if paid_on < credit_note.issued_on:
                raise DomainError(f"A refund can't be dated before the credit note ({credit_note.issued_on:%d/%m/%Y}).",
                                  field="paid_on")
        refund = Refund.objects.create(credit_note=credit_note, amount=amount, paid_on=paid_on,
                                       reference=reference.strip()[:255], source=source)
        credit_note.remaining_credit = max(ZERO, credit_note.remaining_credit - amount)
        settle_credit(credit_note, now)
        credit_note.save()
        audit_record(actor=actor, action="billing.refund_recorded", target=f"credit note {cn}",
                     after={"amount": str(amount), "paid_on": paid_on.isoformat(), "source": source})
    return refund


def refund_reverse(*, refund: Refund, actor=None, now: datetime | None = None,
                   source: str = CreditSource.BMS) -> Refund:
    """Undo a refund (deleted in Xero: source "xero"; or entered by mistake): the credit is the
    customer's again. Undone in BMS, it is refused while the accounting system holds the refund."""
    now = now or timezone.now()
    with transaction.atomic():
        credit_note = CreditNote.objects.select_for_update().select_related("entity").get(pk=refund.credit_note_id)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.reversed_at is not None:
            return refund
        if source == CreditSource.BMS:
            for _receiver, reason in refund_reverse_check.send(sender=Refund, refund=refund):
                if reason:
                    raise DomainError(reason)
        refund.reversed_at = now
        refund.save(update_fields=["reversed_at"])
        credit_note.remaining_credit = min(credit_note.total_amount, credit_note.remaining_credit + refund.amount)
        settle_credit(credit_note, now)
        credit_note.save()
        audit_record(actor=actor, action="billing.refund_reversed", target=f"credit note {credit_note.display_number}",
                     before={"amount": str(refund.amount), "paid_on": refund.paid_on.isoformat()})
    return refund
