"""Invoices: every change to an invoice's lines, status and totals goes through here.

The invoice lifecycle is one table (TRANSITIONS) and one guard (`_transition`); totals are always
rebuilt from lines rounded the way Xero rounds (bms/core/money.py); the balance follows payments
and, for credits Xero applies, `invoice_set_balance`. Views and the Xero integration call these
functions; nothing else writes an invoice's status, totals or balance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Max, Model, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from bms.billing.models import Invoice, InvoiceLine, InvoiceStatus
from bms.billing.signals import invoice_cancelled
from bms.core.dates import refuse_out_of_range
from bms.core.errors import DomainError, InvalidTransitionError
from bms.core.money import LineAmountType, document_totals, line_amounts
from bms.customers.models import Customer
from bms.customers.terms import due_date
from bms.entities.models import Entity
from bms.ledger.models import Account, TaxRate
from bms.ledger.selectors import accounts_for_role
from bms.preferences.currencies import is_known_currency
from bms.preferences.selectors import general_settings
from bms.stock.models import Product

T = TypeVar("T")

# Line quantities and prices are stored with 4 decimal places; more would be silently cut by the
# database, and the totals computed here would no longer match the stored lines.
_MAX_LINE_PLACES = 4

# The legal lifecycle. Draft → Approved (released) → Processed (Xero confirmed) → Completed
# (balance zero); Cancelled from anything before Completed. Approved → Completed covers money
# received before the push was confirmed; Completed → Processed/Approved re-opens an invoice
# whose payment was reversed (e.g. deleted in Xero). Nothing leaves Cancelled.
TRANSITIONS: dict[str, frozenset[str]] = {
    InvoiceStatus.DRAFT: frozenset({InvoiceStatus.APPROVED, InvoiceStatus.CANCELLED}),
    InvoiceStatus.APPROVED: frozenset({InvoiceStatus.PROCESSED, InvoiceStatus.COMPLETED, InvoiceStatus.CANCELLED}),
    InvoiceStatus.PROCESSED: frozenset({InvoiceStatus.COMPLETED, InvoiceStatus.CANCELLED}),
    InvoiceStatus.COMPLETED: frozenset({InvoiceStatus.PROCESSED, InvoiceStatus.APPROVED}),
    InvoiceStatus.CANCELLED: frozenset(),
}


def invoice_can_become(*, invoice: Invoice, status: str) -> bool:
    """Whether the lifecycle allows the change; pages use it to offer only legal actions."""
    return status in TRANSITIONS.get(invoice.status, frozenset())


def _transition(invoice: Invoice, to: str) -> None:
    """The one guard every status change passes through."""
    if to not in InvoiceStatus.values:
        raise InvalidTransitionError(f"“{to}” is not an invoice status.")
    if invoice.status not in TRANSITIONS:
        raise InvalidTransitionError(f"Invoice {invoice.display_number} has an unknown status “{invoice.status}”.")
    if to not in TRANSITIONS[invoice.status]:
        raise InvalidTransitionError(
            f"Invoice {invoice.display_number} is {invoice.get_status_display().lower()}; it can't become "
            f"{InvoiceStatus(to).label.lower()}."
        )
    invoice.status = to


def _user_or_none(user):
    # Views pass request.user, which may be anonymous in a test or a system call.
    return user if getattr(user, "pk", None) else None


# --- invoices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceLineData:
    description: str
    quantity: Decimal
    unit_price: Decimal
    account: Account
    tax_rate: TaxRate | None = None
    product: Product | None = None


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _validate_lines(lines: list[InvoiceLineData]) -> None:
    for number, line in enumerate(lines, start=1):
        if not isinstance(line.quantity, Decimal) or not isinstance(line.unit_price, Decimal):
            raise TypeError("quantities and prices are Decimal, never float")
        if not line.description.strip():
            raise DomainError(f"Line {number}: a description is required.", field="lines")
        if line.quantity <= 0:
            raise DomainError(f"Line {number}: the quantity must be more than zero.", field="lines")
        if line.unit_price < 0:
            raise DomainError(f"Line {number}: the unit price can't be negative.", field="lines")
        if _places(line.quantity) > _MAX_LINE_PLACES or _places(line.unit_price) > _MAX_LINE_PLACES:
            raise DomainError(f"Line {number}: use at most {_MAX_LINE_PLACES} decimal places.", field="lines")
        if line.tax_rate is not None and not line.tax_rate.is_active:
            raise DomainError(f"Line {number}: tax rate {line.tax_rate.name} is no longer in use.", field="lines")
    _refuse_unusable_accounts([line.account for line in lines])


def _refuse_unusable_accounts(accounts: list[Account]) -> None:
    """Invoice lines post to sales accounts only: the same filter the Sales select menu applies, so an
    archived, system or bank account is caught here rather than by Xero after release."""
    wanted = {account.pk for account in accounts}
    usable = set(accounts_for_role("sales").filter(pk__in=wanted).values_list("pk", flat=True))
    for number, account in enumerate(accounts, start=1):
        if account.pk not in usable:
            raise DomainError(
                f"Line {number}: account {account.code} {account.name} can't take sales: it must be an active "
                "revenue account.",
                field="lines",
            )


def _validate_currency(currency: str) -> str:
    """An ISO 4217 code, like General Settings' default currency: "ZZZ" is refused here, at entry,
    not by the accounting system after release. Whether the organisation bills in it is checked
    before sending (the integration's pre-send check)."""
    currency = currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise DomainError("Enter a three-letter currency code, e.g. AUD.", field="currency")
    if not is_known_currency(currency):
        raise DomainError(f"{currency} is not an ISO 4217 currency code.", field="currency")
    return currency


def _write_lines(invoice: Invoice, lines: list[InvoiceLineData]) -> None:
    """Replace the lines and rebuild totals from them, each line rounded on its own as Xero does."""
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
    # Only drafts have their lines written, and a draft takes no payments: it owes its total.
    invoice.balance_amount = totals.total


def _next_number(entity: Entity) -> int:
    return (Invoice.objects.filter(entity=entity).aggregate(n=Max("number"))["n"] or 0) + 1


def create_with_next_number(entity: Entity, model: type[Model], create: Callable[[int], T], *,
                            next_number: Callable[[Entity], int], what: str) -> T:
    """Create a document with the entity's next number of its kind (invoices, credit notes)."""
    for _attempt in range(5):
        number = None
        try:
            with transaction.atomic():
                # Locking the entity row queues concurrent numbering for one entity on PostgreSQL;
                # the unique constraint stays the guarantee (SQLite ignores the lock).
                Entity.objects.select_for_update().filter(pk=entity.pk).exists()
                number = next_number(entity)
                return create(number)
        except IntegrityError:
            # Another draft took this number between our read and our insert: take the next one.
            # Any other integrity failure is a real error and must not be retried away.
            if number is None or not model._default_manager.filter(entity=entity, number=number).exists():
                raise
    raise DomainError(f"Could not number the {what} because many were being created at once; please try again.")


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
    """A draft invoice with the entity's next number. A draft may have no lines yet; approval
    refuses it until it has some."""
    refuse_out_of_range(issued_on, field="issued_on")
    _validate_lines(lines)
    if line_amount_type not in LineAmountType.values:
        raise DomainError(f"“{line_amount_type}” is not a line amount type.", field="line_amount_type")
    currency = _validate_currency(currency or general_settings().default_currency)

    def create(number: int) -> Invoice:
        invoice = Invoice.objects.create(
            entity=entity, customer=customer, number=number, issued_on=issued_on, currency=currency,
            line_amount_type=line_amount_type, reference=reference.strip(), created_by=_user_or_none(created_by),
        )
        _write_lines(invoice, lines)
        invoice.save()
        return invoice

    return create_with_next_number(entity, Invoice, create, next_number=_next_number, what="invoice")


def _refuse_unless_draft(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.DRAFT:
        status = invoice.get_status_display()
        raise InvalidTransitionError(
            f"{status} invoices can't be edited: invoice {invoice.display_number} is {status.lower()}, "
            "and only drafts can change."
        )


_DRAFT_FIELDS = {"customer", "issued_on", "currency", "line_amount_type", "reference", "entity"}


def invoice_update_draft(*, invoice: Invoice, lines: list[InvoiceLineData], **fields) -> Invoice:
    """Replace a draft's header fields and lines. `entity` may be passed but not changed: the
    number belongs to the entity's sequence."""
    unknown = set(fields) - _DRAFT_FIELDS
    if unknown:
        raise TypeError(f"unexpected invoice fields {sorted(unknown)}")
    _refuse_unless_draft(invoice)
    refuse_out_of_range(fields.get("issued_on"), field="issued_on")
    _validate_lines(lines)
    if "currency" in fields:
        fields["currency"] = _validate_currency(fields["currency"])
    if "line_amount_type" in fields and fields["line_amount_type"] not in LineAmountType.values:
        raise DomainError(f"“{fields['line_amount_type']}” is not a line amount type.", field="line_amount_type")
    if "reference" in fields:
        fields["reference"] = fields["reference"].strip()
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        # Checked again under the lock: someone may have approved it since the page was opened.
        _refuse_unless_draft(invoice)
        if "entity" in fields and fields.pop("entity").pk != invoice.entity_id:
            raise DomainError("A draft's entity can't change: create the invoice under the other entity.",
                              field="entity")
        for name, value in fields.items():
            setattr(invoice, name, value)
        _write_lines(invoice, lines)
        invoice.save()
    return invoice


def invoice_approve(*, invoice: Invoice, approved_by=None, now: datetime | None = None) -> Invoice:
    """Release the invoice: its due date is set from the customer's terms and it becomes eligible
    for Xero. A zero total is allowed (a no-charge replacement is a real document); Xero records it
    as paid, and the payment pull then completes it here."""
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the invoice row only: PostgreSQL refuses FOR UPDATE across the outer join to the terms.
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("customer__payment_terms", "entity")
            .get(pk=invoice.pk)
        )
        _transition(invoice, InvoiceStatus.APPROVED)
        lines = list(invoice.lines.select_related("account"))
        if not lines:
            raise DomainError(f"Invoice {invoice.display_number} has no lines: add at least one before approving.",
                              field="lines")
        # The chart may have changed since the draft was saved; Xero would refuse the line later.
        _refuse_unusable_accounts([line.account for line in lines])
        # A draft saved before the range was enforced would overflow the due date: refused, not a 500.
        refuse_out_of_range(invoice.issued_on, field="issued_on")
        invoice.due_on = due_date(issued_on=invoice.issued_on, terms=invoice.customer.payment_terms)
        invoice.approved_at = now
        invoice.approved_by = _user_or_none(approved_by)
        invoice.save()
    return invoice


def invoices_mark_processed(*, invoice_ids: list[int], now: datetime | None = None) -> int:
    """Xero confirmed it holds these invoices. Approved → Processed. Confirming again (a correction
    re-pushed) changes nothing; an invoice already paid in full stays Completed but records the
    confirmation, so a later reversal re-opens it as Processed. Two statements for a whole batch:
    a push of thousands of invoices must not pay a locked read and a save per invoice."""
    now = now or timezone.now()
    with transaction.atomic():
        # The status filter is the transition guard: only Approved → Processed (see TRANSITIONS).
        changed = Invoice.objects.filter(pk__in=invoice_ids, status=InvoiceStatus.APPROVED).update(
            status=InvoiceStatus.PROCESSED, processed_at=Coalesce("processed_at", Value(now)), updated_at=now
        )
        Invoice.objects.filter(pk__in=invoice_ids, status=InvoiceStatus.COMPLETED, processed_at__isnull=True).update(
            processed_at=now, updated_at=now
        )
    return changed


def invoice_mark_processed(*, invoice: Invoice, now: datetime | None = None) -> Invoice:
    """One invoice, refusing loudly one that was never released (the batch form skips it)."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status not in (InvoiceStatus.PROCESSED, InvoiceStatus.COMPLETED):
            _transition(invoice, InvoiceStatus.PROCESSED)  # raises for anything but Approved
        invoices_mark_processed(invoice_ids=[invoice.pk], now=now)
    return Invoice.objects.get(pk=invoice.pk)


def invoice_cancel(*, invoice: Invoice, cancelled_by=None, now: datetime | None = None) -> Invoice:
    now = now or timezone.now()
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        _transition(invoice, InvoiceStatus.CANCELLED)
        if invoice.payments.filter(reversed_at__isnull=True).exists():
            raise DomainError(
                f"Invoice {invoice.display_number} has payments against it; reverse them before cancelling."
            )
        if invoice.credit_allocations.filter(reversed_at__isnull=True).exists():
            raise DomainError(
                f"Invoice {invoice.display_number} has credit allocated to it; reverse the allocations before "
                "cancelling."
            )
        invoice.cancelled_at = now
        invoice.cancelled_by = _user_or_none(cancelled_by)
        # A new revision tells the Xero sync this is a change to send (a void), not a retry.
        invoice.revision += 1
        invoice.save()
        invoice_id = invoice.pk
        # After commit: a listener that queues work must not see (or send) a cancel that rolled back.
        transaction.on_commit(lambda: invoice_cancelled.send(sender=Invoice, invoice_id=invoice_id), robust=True)
    return invoice
