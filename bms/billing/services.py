"""Billing: every change to customers, invoices and payments goes through here.

The invoice lifecycle is one table (TRANSITIONS) and one guard; totals are always rebuilt from
lines rounded the way Xero rounds (bms/core/money.py); the balance follows payments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from bms.billing.models import Customer, Invoice, InvoiceLine, InvoiceStatus, Payment, PaymentSource
from bms.billing.terms import due_date
from bms.core.errors import DomainError, InvalidTransitionError
from bms.core.money import LineAmountType, document_totals, line_amounts
from bms.entities.models import Entity
from bms.ledger.models import Account, TaxRate
from bms.preferences.selectors import general_settings
from bms.stock.models import Product

ZERO = Decimal("0.00")

TRANSITIONS: dict[str, set[str]] = {
    InvoiceStatus.DRAFT: {InvoiceStatus.APPROVED, InvoiceStatus.CANCELLED},
    InvoiceStatus.APPROVED: {InvoiceStatus.PROCESSED, InvoiceStatus.COMPLETED, InvoiceStatus.CANCELLED},
    InvoiceStatus.PROCESSED: {InvoiceStatus.COMPLETED, InvoiceStatus.CANCELLED},
    # A payment reversed (e.g. deleted in Xero) re-opens a completed invoice.
    InvoiceStatus.COMPLETED: {InvoiceStatus.PROCESSED, InvoiceStatus.APPROVED},
    InvoiceStatus.CANCELLED: set(),
}


def _transition(invoice: Invoice, to: str) -> None:
    if to not in TRANSITIONS[invoice.status]:
        raise InvalidTransitionError(
            f"Invoice {invoice.display_number} is {invoice.get_status_display().lower()}; it can't become "
            f"{InvoiceStatus(to).label.lower()}."
        )
    invoice.status = to


# --- customers --------------------------------------------------------------------------------


def customer_create(*, code: str, name: str, **fields) -> Customer:
    code, name = code.strip(), name.strip()
    if Customer.objects.filter(code__iexact=code).exists():
        raise DomainError(f"Customer code {code} is already used.", field="code")
    customer = Customer(code=code, name=name, **fields)
    customer.full_clean()
    customer.save()
    return customer


def customer_update(*, customer: Customer, **fields) -> Customer:
    code = fields.get("code", customer.code).strip()
    if Customer.objects.filter(code__iexact=code).exclude(pk=customer.pk).exists():
        raise DomainError(f"Customer code {code} is already used.", field="code")
    for name, value in fields.items():
        setattr(customer, name, value.strip() if isinstance(value, str) and name in ("code", "name") else value)
    customer.full_clean()
    customer.save()
    return customer


# --- invoices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceLineData:
    description: str
    quantity: Decimal
    unit_price: Decimal
    account: Account
    tax_rate: TaxRate | None = None
    product: Product | None = None


def _validate_lines(lines: list[InvoiceLineData]) -> None:
    for number, line in enumerate(lines, start=1):
        if not isinstance(line.quantity, Decimal) or not isinstance(line.unit_price, Decimal):
            raise TypeError("quantities and prices are Decimal")
        if line.quantity <= 0:
            raise DomainError(f"Line {number}: the quantity must be more than zero.", field="lines")
        if line.unit_price < 0:
            raise DomainError(f"Line {number}: the unit price can't be negative.", field="lines")
        if not line.description.strip():
            raise DomainError(f"Line {number}: a description is required.", field="lines")


def _write_lines(invoice: Invoice, lines: list[InvoiceLineData]) -> None:
    invoice.lines.all().delete()
    amounts = []
    rows = []
    for position, line in enumerate(lines):
        amount = line_amounts(
            quantity=line.quantity,
            unit_amount=line.unit_price,
            tax_rate_percent=line.tax_rate.rate_percent if line.tax_rate else Decimal("0"),
            line_amount_type=invoice.line_amount_type,
        )
        amounts.append(amount)
        rows.append(
            InvoiceLine(
                invoice=invoice, position=position, product=line.product, description=line.description.strip(),
                quantity=line.quantity, unit_price=line.unit_price, account=line.account, tax_rate=line.tax_rate,
                line_amount=amount.line_amount, tax_amount=amount.tax_amount,
            )
        )
    InvoiceLine.objects.bulk_create(rows)
    totals = document_totals(amounts, line_amount_type=invoice.line_amount_type)
    invoice.subtotal_amount = totals.subtotal
    invoice.tax_amount = totals.total_tax
    invoice.total_amount = totals.total
    invoice.balance_amount = totals.total


def invoice_create(
    *,
    entity: Entity,
    customer: Customer,
    issued_on: date,
    lines: list[InvoiceLineData],
    currency: str | None = None,
    line_amount_type: str = LineAmountType.EXCLUSIVE,
    reference: str = "",
    created_by=None,
) -> Invoice:
    """A draft invoice with the entity's next number."""
    _validate_lines(lines)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                number = (Invoice.objects.filter(entity=entity).aggregate(n=Max("number"))["n"] or 0) + 1
                invoice = Invoice.objects.create(
                    entity=entity, customer=customer, number=number, issued_on=issued_on,
                    currency=(currency or general_settings().default_currency).upper(),
                    line_amount_type=line_amount_type, reference=reference.strip(),
                    created_by=created_by if getattr(created_by, "pk", None) else None,
                )
                _write_lines(invoice, lines)
                invoice.save()
                return invoice
        except IntegrityError:
            # Two drafts took the same number at once; the unique constraint refused one. Retry.
            continue
    raise DomainError("Could not number the invoice; please try again.")


def invoice_update_draft(*, invoice: Invoice, lines: list[InvoiceLineData], **fields) -> Invoice:
    if invoice.status != InvoiceStatus.DRAFT:
        raise InvalidTransitionError(
            f"Invoice {invoice.display_number} is {invoice.get_status_display().lower()}: only drafts can be edited."
        )
    _validate_lines(lines)
    allowed = {"customer", "issued_on", "currency", "line_amount_type", "reference", "entity"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unexpected invoice fields {sorted(unknown)}")
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status != InvoiceStatus.DRAFT:
            raise InvalidTransitionError(f"Invoice {invoice.display_number} is no longer a draft.")
        if "entity" in fields and fields["entity"] != invoice.entity:
            raise DomainError("A draft's entity can't change: create the invoice under the other entity.",
                              field="entity")
        for name, value in fields.items():
            setattr(invoice, name, value.upper() if name == "currency" else value)
        _write_lines(invoice, lines)
        invoice.save()
    return invoice


def invoice_approve(*, invoice: Invoice, approved_by=None, now: datetime | None = None) -> Invoice:
    """Release the invoice: its due date is set from the customer's terms and it becomes eligible
    for Xero."""
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the invoice row only: PostgreSQL refuses FOR UPDATE across the outer join to the terms.
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("customer__payment_terms", "entity")
            .get(pk=invoice.pk)
        )
        if not invoice.lines.exists():
            raise DomainError(f"Invoice {invoice.display_number} has no lines: add at least one before approving.")
        _transition(invoice, InvoiceStatus.APPROVED)
        invoice.due_on = due_date(issued_on=invoice.issued_on, terms=invoice.customer.payment_terms)
        invoice.approved_at = now
        invoice.save()
    return invoice


def invoice_mark_processed(*, invoice: Invoice, now: datetime | None = None) -> Invoice:
    """The accounting system (Xero) confirmed it has the invoice."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.processed_at is None:
            invoice.processed_at = now or timezone.now()
        if invoice.status == InvoiceStatus.APPROVED:
            _transition(invoice, InvoiceStatus.PROCESSED)
        invoice.save()
    return invoice


def invoice_cancel(*, invoice: Invoice, cancelled_by=None, now: datetime | None = None) -> Invoice:
    now = now or timezone.now()
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.payments.filter(reversed_at__isnull=True).exists():
            raise DomainError(
                f"Invoice {invoice.display_number} has payments against it; reverse them before cancelling."
            )
        _transition(invoice, InvoiceStatus.CANCELLED)
        invoice.cancelled_at = now
        invoice.revision += 1
        invoice.save()
    return invoice


def _settle(invoice: Invoice, now: datetime) -> None:
    """Move between Completed and open as the balance reaches or leaves zero."""
    if invoice.balance_amount == ZERO and invoice.status in (InvoiceStatus.APPROVED, InvoiceStatus.PROCESSED):
        _transition(invoice, InvoiceStatus.COMPLETED)
        invoice.completed_at = now
    elif invoice.balance_amount > ZERO and invoice.status == InvoiceStatus.COMPLETED:
        _transition(invoice, InvoiceStatus.PROCESSED if invoice.processed_at else InvoiceStatus.APPROVED)
        invoice.completed_at = None


def payment_record(
    *,
    invoice: Invoice,
    amount: Decimal,
    paid_on: date,
    reference: str = "",
    source: str = PaymentSource.MANUAL,
    now: datetime | None = None,
) -> Payment:
    now = now or timezone.now()
    if not isinstance(amount, Decimal):
        raise TypeError("amounts are Decimal")
    if amount <= 0:
        raise DomainError("A payment must be more than zero.", field="amount")
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if not invoice.is_released:
            raise DomainError(f"Invoice {invoice.display_number} is not approved: it can't take payments.")
        # Money pulled from Xero is Xero's truth (a credit may already have lowered the balance);
        # money keyed in by hand can't exceed what is owed.
        if amount > invoice.balance_amount and source == PaymentSource.MANUAL:
            raise DomainError(
                f"{amount} is more than the {invoice.balance_amount} still owed on {invoice.display_number}.",
                field="amount",
            )
        payment = Payment.objects.create(
            invoice=invoice, amount=amount, paid_on=paid_on, reference=reference[:255], source=source
        )
        invoice.balance_amount = max(ZERO, invoice.balance_amount - amount)
        _settle(invoice, now)
        invoice.save()
    return payment


def payment_reverse(*, payment: Payment, now: datetime | None = None) -> Payment:
    now = now or timezone.now()
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.reversed_at is not None:
            return payment
        invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
        payment.reversed_at = now
        payment.save(update_fields=["reversed_at"])
        invoice.balance_amount = min(invoice.total_amount, invoice.balance_amount + payment.amount)
        _settle(invoice, now)
        invoice.save()
    return payment


def invoice_set_balance(*, invoice: Invoice, balance_amount: Decimal, now: datetime | None = None) -> Invoice:
    """Take the balance Xero reports (credit notes and overpayments lower it without a payment)."""
    now = now or timezone.now()
    if balance_amount < 0:
        raise DomainError("A balance can't be negative.")
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        invoice.balance_amount = balance_amount
        _settle(invoice, now)
        invoice.save()
    return invoice
