"""Credit note lines and numbers: the part every way of making a credit note shares.

Lines are priced and rounded with the invoices' code (bms/core/money.py, half-up per line), so a
credit for a whole invoice comes to exactly the invoice's total, cent for cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Max, Sum

from bms.billing.models import CreditNote, CreditNoteLine, CreditNoteStatus, CreditSource, Invoice, InvoiceLine
from bms.billing.services.invoices import (
    _MAX_LINE_PLACES,
    InvoiceLineData,
    _places,
    _user_or_none,
    _validate_currency,
    _validate_lines,
    create_with_next_number,
)
from bms.core.dates import refuse_out_of_range
from bms.core.errors import DomainError
from bms.core.money import CENT, ZERO, DocumentTotals, LineAmounts, LineAmountType, document_totals, line_amounts
from bms.customers.models import Customer
from bms.entities.models import Entity


@dataclass(frozen=True)
class CreditNoteLineData(InvoiceLineData):
    invoice_line: InvoiceLine | None = None  # the invoice line this returns, when it returns one


def line_from_invoice_line(line: InvoiceLine, quantity: Decimal) -> CreditNoteLineData:
    return CreditNoteLineData(description=line.description, quantity=quantity, unit_price=line.unit_price,
                              account=line.account, tax_rate=line.tax_rate, product=line.product, invoice_line=line)


def priced(lines: list[CreditNoteLineData], line_amount_type: str) -> tuple[list[LineAmounts], DocumentTotals]:
    amounts = [
        line_amounts(quantity=line.quantity, unit_amount=line.unit_price,
                     tax_rate_percent=line.tax_rate.rate_percent if line.tax_rate else Decimal("0"),
                     line_amount_type=line_amount_type)
        for line in lines
    ]
    return amounts, document_totals(amounts, line_amount_type=line_amount_type)


def validate_lines(lines: list[CreditNoteLineData], *, from_xero: bool = False) -> None:
    """A line made in BMS meets the invoices' rules (a sales account in use, a tax rate in use). One
    made in Xero is Xero's truth: only what the table itself can't hold is refused."""
    if not from_xero:
        _validate_lines(list(lines))
        return
    for number, line in enumerate(lines, start=1):
        if not isinstance(line.quantity, Decimal) or not isinstance(line.unit_price, Decimal):
            raise TypeError("quantities and prices are Decimal, never float")
        if line.quantity <= 0 or line.unit_price < 0:
            raise DomainError(f"Line {number}: BMS holds credit lines with a positive quantity and a price of zero "
                              "or more.", field="lines")
        if _places(line.quantity) > _MAX_LINE_PLACES or _places(line.unit_price) > _MAX_LINE_PLACES:
            raise DomainError(f"Line {number}: more than {_MAX_LINE_PLACES} decimal places.", field="lines")


def write_lines(credit_note: CreditNote, lines: list[CreditNoteLineData]) -> None:
    """Replace the lines and rebuild the totals from them. The caller saves the credit note and sets
    remaining_credit (a draft's is its total; a changed one made in Xero keeps what was used)."""
    credit_note.lines.all().delete()
    amounts, totals = priced(lines, credit_note.line_amount_type)
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(
            credit_note=credit_note, position=position, invoice_line=line.invoice_line, product=line.product,
            description=line.description.strip(), quantity=line.quantity, unit_price=line.unit_price,
            account=line.account, tax_rate=line.tax_rate, line_amount=amount.line_amount,
            tax_amount=amount.tax_amount,
        )
        for position, (line, amount) in enumerate(zip(lines, amounts, strict=True))
    )
    credit_note.subtotal_amount = totals.subtotal
    credit_note.tax_amount = totals.total_tax
    credit_note.total_amount = totals.total


def credits_standing(invoice: Invoice, *, excluding: CreditNote | None = None):
    """Credit notes against the invoice that still count (drafts too: two drafts can't both take
    the last of a line)."""
    notes = CreditNote.objects.filter(invoice=invoice).exclude(status=CreditNoteStatus.CANCELLED)
    return notes.exclude(pk=excluding.pk) if excluding is not None else notes


def credited_quantities(invoice: Invoice, *, excluding: CreditNote | None = None) -> dict[int, Decimal]:
    """Per invoice line id, the quantity already credited by standing credit notes."""
    rows = (CreditNoteLine.objects.filter(credit_note__in=credits_standing(invoice, excluding=excluding),
                                          invoice_line__isnull=False)
            .values("invoice_line").annotate(quantity=Sum("quantity")))
    return {row["invoice_line"]: Decimal(str(row["quantity"])) for row in rows}


def credited_total(invoice: Invoice, *, excluding: CreditNote | None = None) -> Decimal:
    total = credits_standing(invoice, excluding=excluding).aggregate(total=Sum("total_amount"))["total"]
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))


def refuse_over_invoice(invoice: Invoice, lines: list[CreditNoteLineData], line_amount_type: str,
                        *, excluding: CreditNote | None = None) -> None:
    """No line returns more than was invoiced; a credit of an amount (or of lines not on the invoice)
    never takes the invoice's credit notes past its total."""
    done = credited_quantities(invoice, excluding=excluding)
    seen: set[int] = set()
    for number, line in enumerate(lines, start=1):
        if line.invoice_line is None:
            continue
        invoice_line = line.invoice_line
        if invoice_line.invoice_id != invoice.pk:
            raise DomainError(f"Line {number}: that line belongs to another invoice.", field="lines")
        if invoice_line.pk in seen:
            raise DomainError(f"Line {number}: “{invoice_line.description}” is already credited on another line of "
                              "this credit note.", field="lines")
        seen.add(invoice_line.pk)
        already = done.get(invoice_line.pk, ZERO)
        left = invoice_line.quantity - already
        if line.quantity > left:
            raise DomainError(
                f"Line {number}: at most {left.normalize():f} of “{invoice_line.description}” can still be credited "
                f"({already.normalize():f} of {invoice_line.quantity.normalize():f} already credited).", field="lines")
    total = priced(lines, line_amount_type)[1].total
    room = invoice.total_amount - credited_total(invoice, excluding=excluding)
    # Amount and tax are rounded per line, so the parts of a line credited separately can come to a
    # cent more than the line did (7 × 19.99 at 10 %: 13.99 of tax; 3 and then 4 of them: 6.00 +
    # 8.00). Xero rounds the same way; a return may take that cent per line, and what the invoice
    # can't take of it stays the customer's credit.
    returns_only = all(line.invoice_line is not None for line in lines)
    allowance = CENT * len(lines) if returns_only else ZERO
    if total > room + allowance:
        raise DomainError(
            f"This credit of {total} is more than the {room} of invoice {invoice.display_number} not yet credited "
            f"(total {invoice.total_amount}).", field="lines")


def _next_number(entity: Entity) -> int:
    return (CreditNote.objects.filter(entity=entity).aggregate(n=Max("number"))["n"] or 0) + 1


def create_numbered(*, entity: Entity, customer: Customer, issued_on: date, lines: list[CreditNoteLineData],
                    currency: str, line_amount_type: str, reference: str, invoice: Invoice | None,
                    created_by=None) -> CreditNote:
    """A draft with the entity's next credit note number (numbered like invoices: the unique
    constraint is the guarantee, a clash takes the next number)."""
    refuse_out_of_range(issued_on, field="issued_on")
    if line_amount_type not in LineAmountType.values:
        raise DomainError(f"“{line_amount_type}” is not a line amount type.", field="line_amount_type")
    currency = _validate_currency(currency)

    def create(number: int) -> CreditNote:
        credit_note = CreditNote.objects.create(
            entity=entity, customer=customer, number=number, invoice=invoice, issued_on=issued_on,
            currency=currency, line_amount_type=line_amount_type, reference=reference.strip()[:255],
            source=CreditSource.BMS, created_by=_user_or_none(created_by),
        )
        write_lines(credit_note, lines)
        credit_note.remaining_credit = credit_note.total_amount
        credit_note.save()
        return credit_note

    return create_with_next_number(entity, CreditNote, create, next_number=_next_number, what="credit note")
