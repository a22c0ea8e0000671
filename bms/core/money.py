"""Money: Decimal only, rounded the way Xero rounds.

Xero computes each line's amount and tax, rounds each to 2 dp half-up, and sums the rounded
lines. Rounding the document total instead can differ by a cent or more, and a cent off is a
rejected or mismatched invoice, so every total in BMS is built from rounded lines.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class LineAmountType(models.TextChoices):
    EXCLUSIVE = "Exclusive", "Tax exclusive"
    INCLUSIVE = "Inclusive", "Tax inclusive"
    NO_TAX = "NoTax", "No tax"


def round_money(value: Decimal) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be Decimal, got {type(value).__name__}")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money_from_db(value) -> Decimal:
    """A sum of cents as the database gives it back — Decimal on PostgreSQL; float, int or None
    (no rows) on SQLite, which keeps decimals as binary floats — as money at 2 dp."""
    return round_money(value if isinstance(value, Decimal) else Decimal(str(value or 0)))


@dataclass(frozen=True)
class LineAmounts:
    line_amount: Decimal  # quantity × unit price, rounded; inclusive of tax when the document is
    tax_amount: Decimal


@dataclass(frozen=True)
class DocumentTotals:
    subtotal: Decimal  # excluding tax
    total_tax: Decimal
    total: Decimal


def line_amounts(
    *, quantity: Decimal, unit_amount: Decimal, tax_rate_percent: Decimal, line_amount_type: str
) -> LineAmounts:
    line_amount = round_money(quantity * unit_amount)
    if line_amount_type == LineAmountType.NO_TAX:
        tax = ZERO
    elif line_amount_type == LineAmountType.INCLUSIVE:
        tax = round_money(line_amount * tax_rate_percent / (Decimal(100) + tax_rate_percent))
    elif line_amount_type == LineAmountType.EXCLUSIVE:
        tax = round_money(line_amount * tax_rate_percent / Decimal(100))
    else:
        raise ValueError(f"unknown line amount type {line_amount_type!r}")
    return LineAmounts(line_amount=line_amount, tax_amount=tax)


def document_totals(lines: Iterable[LineAmounts], *, line_amount_type: str) -> DocumentTotals:
    lines = list(lines)
    amounts = sum((line.line_amount for line in lines), ZERO)
    tax = sum((line.tax_amount for line in lines), ZERO)
    if line_amount_type == LineAmountType.INCLUSIVE:
        return DocumentTotals(subtotal=amounts - tax, total_tax=tax, total=amounts)
    return DocumentTotals(subtotal=amounts, total_tax=tax, total=amounts + tax)
