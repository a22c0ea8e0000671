"""Money as Xero keeps it: Decimal throughout, amounts rounded half-up to 2 dp per line."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from xero_sandbox.errors import ValidationFailedError

# Currency codes an echo may carry (a subset of the spec's CurrencyCode enum; others are left out).
CURRENCIES = {"AUD", "NZD", "USD", "GBP", "EUR", "CAD", "SGD", "HKD", "JPY", "CNY", "ZAR", "FJD", "INR", "CHF", "SEK",
              "NOK", "DKK", "MYR", "PHP", "THB", "IDR", "PGK", "WST", "TOP", "XPF"}
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
UNIT_4DP = Decimal("0.0001")
LARGEST_LINE = Decimal("9999999999.99")


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def decimal_or_none(value: object, label: str = "value") -> Decimal | None:
    """A number from a request body: JSON numbers arrive as Decimal (parse_float=Decimal), but
    clients also send strings ("10.50"); booleans and anything else are refused."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValidationFailedError(f"{label} '{value}' is not a valid number.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailedError(f"{label} '{value}' is not a valid number.") from None
    if not number.is_finite():
        raise ValidationFailedError(f"{label} '{value}' is not a valid number.")
    return number
