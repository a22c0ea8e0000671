"""Payments and balances: money received (by hand before a Xero connection, or pulled from Xero),
a payment undone, and the balance Xero reports. The invoice's lifecycle guard is the invoices'."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from bms.billing.models import Invoice, InvoiceStatus, Payment, PaymentSource
from bms.billing.services.invoices import _places, _transition
from bms.core.dates import refuse_out_of_range
from bms.core.errors import DomainError
from bms.core.money import ZERO


def _settle(invoice: Invoice, now: datetime) -> None:
    """Move between Completed and open as the balance reaches or leaves zero."""
    if invoice.balance_amount == ZERO and invoice.status in (InvoiceStatus.APPROVED, InvoiceStatus.PROCESSED):
        _transition(invoice, InvoiceStatus.COMPLETED)
        invoice.completed_at = now
    elif invoice.balance_amount > ZERO and invoice.status == InvoiceStatus.COMPLETED:
        _transition(invoice, InvoiceStatus.PROCESSED if invoice.processed_at else InvoiceStatus.APPROVED)
        invoice.completed_at = None


def _refuse_unless_released(invoice: Invoice, doing: str) -> None:
    if not invoice.is_released:
        raise DomainError(
            f"Invoice {invoice.display_number} is {invoice.get_status_display().lower()}: only approved invoices "
            f"can {doing}."
        )


def _refuse_manual_once_sent(invoice: Invoice, source: str) -> None:
    """Once the accounting system confirmed an invoice (processed_at), it owns its receipts: payments
    are recorded there, where the bank is reconciled, and come back with the payment pull. A payment
    entered here as well would count the money twice (PRODUCT.md §3.8)."""
    if source == PaymentSource.MANUAL and invoice.processed_at is not None:
        raise DomainError(
            f"Invoice {invoice.display_number} has been sent to the accounting system, which now owns its "
            "payments: record the payment there (in Xero, against the invoice or in bank reconciliation); BMS "
            "shows it after the next payment pull.", field="amount")


def payment_record(
    *,
    invoice: Invoice,
    amount: Decimal,
    paid_on: date,
    reference: str = "",
    source: str = PaymentSource.MANUAL,
    account_code: str = "",
    now: datetime | None = None,
) -> Payment:
    """Money received. A manual payment can't exceed what is owed. A payment pulled from Xero is
    Xero's truth and is always recorded, even above the BMS balance (a credit applied in Xero may
    already have lowered it): refusing it would lose money Xero holds; the balance stops at zero."""
    now = now or timezone.now()
    if not isinstance(amount, Decimal):
        raise TypeError("amounts are Decimal, never float")
    if amount <= 0:
        raise DomainError("A payment must be more than zero.", field="amount")
    if _places(amount) > 2:
        raise DomainError("A payment is in whole cents.", field="amount")
    if source == PaymentSource.MANUAL:  # one pulled from Xero is Xero's truth, dated as Xero dates it
        refuse_out_of_range(paid_on, field="paid_on")
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        _refuse_unless_released(invoice, "take payments")
        _refuse_manual_once_sent(invoice, source)
        if amount > invoice.balance_amount and source == PaymentSource.MANUAL:
            raise DomainError(
                f"{amount} is more than the {invoice.balance_amount} still owed on {invoice.display_number}.",
                field="amount",
            )
        payment = Payment.objects.create(
            invoice=invoice, amount=amount, paid_on=paid_on, reference=reference.strip()[:255], source=source,
            account_code=account_code.strip()[:20],
        )
        invoice.balance_amount = max(ZERO, invoice.balance_amount - amount)
        _settle(invoice, now)
        invoice.save()
    return payment


def payment_set_source_details(*, payment: Payment, reference: str, account_code: str) -> bool:
    """Fill in what the accounting system says of a payment it holds (its reference and account)
    where BMS does not know them yet; True when something changed. The amount and date never change
    here: a payment is immutable, a changed one is reversed and recorded again."""
    changes = {}
    if reference.strip() and not payment.reference:
        changes["reference"] = reference.strip()[:255]
    if account_code.strip() and not payment.account_code:
        changes["account_code"] = account_code.strip()[:20]
    if not changes:
        return False
    return bool(Payment.objects.filter(pk=payment.pk, source=PaymentSource.XERO).update(**changes))


def payment_reverse(*, payment: Payment, now: datetime | None = None) -> Payment:
    """Undo a payment (e.g. deleted in Xero). The row stays, marked reversed, so the history reads
    true; reversing twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.reversed_at is not None:
            return payment
        invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
        payment.reversed_at = now
        payment.save(update_fields=["reversed_at"])
        # Capped at the total: a Xero payment above the balance only brought the balance to zero.
        invoice.balance_amount = min(invoice.total_amount, invoice.balance_amount + payment.amount)
        _settle(invoice, now)
        invoice.save()
    return payment


def invoice_set_balance(*, invoice: Invoice, balance_amount: Decimal, now: datetime | None = None) -> Invoice:
    """Take the balance Xero reports: credit notes, overpayments and prepayments lower it without a
    payment row. Zero completes the invoice; above zero re-opens a completed one."""
    now = now or timezone.now()
    if not isinstance(balance_amount, Decimal):
        raise TypeError("amounts are Decimal, never float")
    if balance_amount < 0:
        raise DomainError("A balance can't be negative.", field="balance_amount")
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        _refuse_unless_released(invoice, "have their balance set")
        if balance_amount > invoice.total_amount:
            raise DomainError(
                f"A balance of {balance_amount} is more than the {invoice.total_amount} total of "
                f"{invoice.display_number}.",
                field="balance_amount",
            )
        invoice.balance_amount = balance_amount
        _settle(invoice, now)
        invoice.save()
    return invoice
