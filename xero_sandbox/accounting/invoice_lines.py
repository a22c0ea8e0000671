"""Invoice lines (xero-notes §6): each line recomputed the way Xero does it, with Xero's messages for
what it refuses. Works on a copy of the line; the invoice stores it only once everything validated.

A LineAmount sent with both Quantity and UnitAmount must be what Xero computes from them (less
the discount), or the line is refused with Xero's message "The line total 1.00 does not match the
expected line total 0.00" (XeroAPI/Xero-NetStandard issues 74 and 147). Sent without one of them,
Xero works out the missing one (the description of LineItem.LineAmount in Xero's OpenAPI file)."""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal

from xero_sandbox.accounting.elements import new_id
from xero_sandbox.accounting.organisation import account_by_code
from xero_sandbox.accounting.request import Req
from xero_sandbox.accounting.tracking import tracking_problems
from xero_sandbox.errors import ValidationFailedError
from xero_sandbox.money import CENT, LARGEST_LINE, UNIT_4DP, ZERO, decimal_or_none, money


def line_build(req: Req, raw: dict, status: str, line_types: str, old: dict | None, invoice_type: str
               ) -> tuple[dict, list[str]]:
    """One line, recomputed the way Xero does it: unit price to 2 dp (4 with unitdp=4), the line
    amount and its tax each rounded half-up to 2 dp, per line."""
    problems: list[str] = []
    line = copy.deepcopy(old) if old else {"LineItemID": new_id()}
    _copy_fields(req, raw, line, problems)
    try:
        for key in ("Quantity", "UnitAmount", "DiscountRate", "DiscountAmount"):
            if key in raw:
                line[key] = decimal_or_none(raw[key], key)
        sent_amount = decimal_or_none(raw.get("LineAmount"), "LineAmount")
    except ValidationFailedError as exc:
        return line, problems + exc.messages
    _check_discount_and_description(line, invoice_type, problems)
    quantity, unit, line_amount = _amounts(line, sent_amount, UNIT_4DP if req.unitdp4 else CENT, problems)
    line["Quantity"], line["UnitAmount"] = quantity, unit
    account = _account(req, line, status, problems)
    tax_type = line.get("TaxType") or (account or {}).get("TaxType")
    rate = req.org["tax_rates"].get(tax_type) if isinstance(tax_type, str) else None
    if line.get("TaxType") and (rate is None or rate["Status"] != "ACTIVE" or not _applies(rate, account)):
        problems.append(f"The TaxType code '{line['TaxType']}' does not exist or cannot be used for this type of "
                        "transaction.")
    problems += tracking_problems(req.org, line.get("Tracking"))
    if abs(line_amount) > LARGEST_LINE:
        problems.append("LineAmount must be less than 10,000,000,000.")
    percent = (rate or {}).get("EffectiveRate", ZERO) if line_types != "NoTax" else ZERO
    if line_types == "Inclusive":
        tax = money(line_amount * percent / (Decimal(100) + percent))
    else:
        tax = money(line_amount * percent / Decimal(100))
    line.update(LineAmount=line_amount, TaxAmount=tax, TaxType=tax_type if isinstance(tax_type, str) else "NONE")
    if account is not None:
        line["AccountID"] = account["AccountID"]
    return line, problems


CAN_APPLY = {"REVENUE": "CanApplyToRevenue", "EXPENSE": "CanApplyToExpenses", "ASSET": "CanApplyToAssets",
             "EQUITY": "CanApplyToEquity", "LIABILITY": "CanApplyToLiabilities"}


def _applies(rate: dict, account: dict | None) -> bool:
    """A tax rate applies only to the account classes its CanApplyTo* flags allow (Xero's TaxRate
    fields, xero_accounting.yaml; a purchase-only rate such as INPUT2 has CanApplyToRevenue false), and
    Xero refuses it on any other with "… cannot be used for this type of transaction"."""
    field = CAN_APPLY.get((account or {}).get("Class") or "")
    return field is None or bool(rate.get(field, True))


def _copy_fields(req: Req, raw: dict, line: dict, problems: list[str]) -> None:
    for key in ("Description", "ItemCode", "AccountCode", "TaxType", "Tracking"):
        if key in raw:
            line[key] = raw[key]
    if raw.get("AccountID") and "AccountCode" not in raw:
        account = req.org["accounts"].get(raw["AccountID"]) if isinstance(raw["AccountID"], str) else None
        if account is None:
            problems.append(f"Account ID '{raw['AccountID']}' is not a valid account.")
        else:
            line["AccountCode"] = account["Code"]


def _check_discount_and_description(line: dict, invoice_type: str, problems: list[str]) -> None:
    if (line.get("DiscountRate") or line.get("DiscountAmount")) and invoice_type != "ACCREC":
        problems.append("Discounts are only allowed on sales invoices (ACCREC).")
    if line.get("DiscountRate") is not None and not ZERO <= line["DiscountRate"] <= 100:
        problems.append("DiscountRate must be between 0 and 100.")
    description = line.get("Description")
    if not isinstance(description, str) or not description.strip():
        problems.append("Description must be specified.")
    elif len(description) > 4000:
        problems.append("Description must be 4000 characters or fewer.")


def _account(req: Req, line: dict, status: str, problems: list[str]) -> dict | None:
    account = account_by_code(req.org, line.get("AccountCode"))
    if line.get("AccountCode") and account is None:
        problems.append(f"Account code '{line['AccountCode']}' is not a valid code for this document.")
    elif account is not None and account["Status"] != "ACTIVE":
        problems.append(f"Account code '{line['AccountCode']}' has been archived, or has been deleted. Each line "
                        "item must reference a valid account.")
    elif account is None and status in ("AUTHORISED", "SUBMITTED"):
        problems.append("Each line item must reference a valid account code when the invoice is approved.")
    return account


def _amounts(line: dict, sent: Decimal | None, unit_places: Decimal, problems: list[str]
             ) -> tuple[Decimal, Decimal, Decimal]:
    """Quantity, unit amount and line amount. A LineAmount sent beside both others must agree with
    them; beside only one, it gives the missing one (Quantity 1 when only LineAmount came)."""
    quantity, unit = line.get("Quantity"), line.get("UnitAmount")
    if sent is not None and (unit is None or (quantity is None and not unit)):
        quantity = quantity if quantity is not None else Decimal("1")
        unit = (_gross(sent, line) / quantity if quantity else ZERO).quantize(unit_places, rounding=ROUND_HALF_UP)
        return quantity, unit, money(sent)
    if sent is not None and quantity is None and unit:
        quantity = (_gross(sent, line) / unit).quantize(UNIT_4DP, rounding=ROUND_HALF_UP)
        return quantity, unit.quantize(unit_places, rounding=ROUND_HALF_UP), money(sent)
    quantity = quantity if quantity is not None else Decimal("1")
    unit = (unit if unit is not None else ZERO).quantize(unit_places, rounding=ROUND_HALF_UP)
    expected = _line_amount(quantity, unit, line)
    if sent is not None and money(sent) != expected:
        problems.append(f"The line total {money(sent)} does not match the expected line total {expected}")
    return quantity, unit, expected


def _gross(net: Decimal, line: dict) -> Decimal:
    """The line amount before its discount."""
    if line.get("DiscountRate") and line["DiscountRate"] != 100:
        return net * Decimal(100) / (Decimal(100) - line["DiscountRate"])
    return net + (line.get("DiscountAmount") or ZERO)


def _line_amount(quantity: Decimal, unit: Decimal, line: dict) -> Decimal:
    gross = quantity * unit
    if line.get("DiscountRate"):
        return money(gross * (Decimal(100) - line["DiscountRate"]) / Decimal(100))
    if line.get("DiscountAmount"):
        return money(gross - line["DiscountAmount"])
    return money(gross)
