"""GET /Currencies (scope accounting.settings[.read]; SPEC operationId getCurrencies): the
currencies an organisation has enabled, its base currency first.

An invoice (or a contact's DefaultCurrency) in a currency the organisation has not enabled is
refused with "Organisation is not subscribed to currency …" (xero-notes §6: "CurrencyCode must be
a currency enabled on the org (multicurrency plan; check /Currencies)"). A foreign-currency invoice
sent without CurrencyRate gets Xero's own day rate (xero-notes §6: "CurrencyRate (XE.com day rate
if omitted)"); the sandbox's "day rates" below are fixed, so tests can state what Xero applied."""

from __future__ import annotations

from decimal import Decimal

from xero_sandbox.accounting import where
from xero_sandbox.accounting.request import Req, envelope
from xero_sandbox.errors import ValidationFailedError
from xero_sandbox.money import decimal_or_none

NAMES = {"AUD": "Australian Dollar", "NZD": "New Zealand Dollar", "USD": "United States Dollar",
         "GBP": "British Pound", "EUR": "Euro", "CAD": "Canadian Dollar", "SGD": "Singapore Dollar",
         "HKD": "Hong Kong Dollar", "JPY": "Japanese Yen", "FJD": "Fiji Dollar"}
# Units of the currency per unit of the base currency (what Xero's CurrencyRate means).
DAY_RATES = {("AUD", "USD"): Decimal("0.655000"), ("AUD", "NZD"): Decimal("1.090000"),
             ("AUD", "EUR"): Decimal("0.605000"), ("AUD", "GBP"): Decimal("0.515000"),
             ("NZD", "AUD"): Decimal("0.917000"), ("NZD", "USD"): Decimal("0.601000")}


def currency_entry(code: str) -> dict:
    return {"Code": code, "Description": NAMES.get(code, code)}


def org_currencies(org: dict) -> list[dict]:
    """The organisation's currencies; one saved before currencies were kept has its base only."""
    return org.get("currencies") or [currency_entry(org["base_currency"])]


def is_enabled(org: dict, code: object) -> bool:
    return any(entry["Code"] == code for entry in org_currencies(org))


def subscription_problems(org: dict, code: object) -> list[str]:
    if code is None or is_enabled(org, code):
        return []
    return [f"Organisation is not subscribed to currency {code}."]


def day_rate(org: dict, code: str) -> Decimal:
    if code == org["base_currency"]:
        return Decimal("1")
    return DAY_RATES.get((org["base_currency"], code), Decimal("1.000000"))


def invoice_currency_problems(org: dict, invoice: dict, element: dict) -> list[str]:
    """Only a currency the organisation enabled; a foreign one sent without a CurrencyRate gets
    Xero's day rate, one sent with it keeps the rate sent (xero-notes §6). Sets the invoice's rate."""
    code = invoice.get("CurrencyCode")
    problems = subscription_problems(org, code if code is not None else "")
    if element.get("CurrencyRate") is not None:
        try:
            rate = decimal_or_none(element["CurrencyRate"], "CurrencyRate")
        except ValidationFailedError as exc:
            return problems + exc.messages
        if rate is not None and rate <= 0:
            problems.append("The currency rate must be greater than zero.")
        invoice["CurrencyRate"] = rate
    elif "CurrencyCode" in element and not problems:
        invoice["CurrencyRate"] = day_rate(org, str(code))
    return problems


def get_currencies(req: Req) -> tuple[int, dict]:
    base = req.org["base_currency"]
    currencies = sorted(org_currencies(req.org), key=lambda c: (c["Code"] != base, c["Code"]))
    currencies = where.filtered(currencies, req.param("where"), "Currency")
    return 200, envelope("Currencies", [dict(c) for c in currencies], req.now)
