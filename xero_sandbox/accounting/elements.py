"""How elements travel: ids, the echo of a refused element, and the per-element status that
`summarizeErrors=false` answers carry (xero-notes §3.2)."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from xero_sandbox.xerodates import BadDateError, ms_date, parse_date

# Fields a client may send as strings that Xero echoes as numbers.
NUMERIC_FIELDS = {"Quantity", "UnitAmount", "LineAmount", "TaxAmount", "DiscountRate", "DiscountAmount", "Amount",
                  "BankAmount", "CurrencyRate", "Total", "SubTotal", "TotalTax", "AmountDue", "AmountPaid",
                  "AmountCredited", "AppliedAmount", "RemainingCredit"}
# Read-only fields SDKs send on every element (xero-python: HasAttachments, HasErrors…): accepted, ignored.
READ_ONLY = {"HasAttachments", "HasErrors", "HasValidationErrors", "IsDiscounted", "StatusAttributeString",
             "ValidationErrors", "Warnings", "UpdatedDateUTC", "SubTotal", "TotalTax", "Total", "AmountDue",
             "AmountPaid", "AmountCredited", "FullyPaidOnDate", "Payments", "CreditNotes", "Prepayments",
             "Overpayments", "IsSupplier", "IsCustomer", "Balances", "DateString", "DueDateString",
             "UpdatedDateUTCString", "HasAccount", "CISDeduction", "CISRate", "Attachments", "TotalDiscount",
             "RemainingCredit", "AppliedAmount", "Allocations"}


def new_id() -> str:
    return str(uuid.uuid4())


DATE_FIELDS = {"Date", "DueDate", "ExpectedPaymentDate", "PlannedPaymentDate", "FullyPaidOnDate"}
INTEGER_FIELDS = {"Day"}
OBJECT_FIELDS = {"Contact", "Invoice", "Account", "PaymentTerms", "Sales", "Bills", "BrandingTheme", "CreditNote"}
LIST_FIELDS = {"Addresses", "Phones", "LineItems", "JournalLines", "Tracking", "ContactGroups", "ContactPersons",
               "Payments", "CreditNotes", "Prepayments", "Overpayments", "Attachments", "Allocations"}


def _is_boolean_field(key: str) -> bool:
    return key.startswith(("Is", "Has", "Include")) or key in ("ShowOnCashBasisReports", "SentToContact",
                                                                 "EnablePaymentsToAccount")


def _echoed(key: str, item: object, enums: dict[str, set[str]]) -> tuple[bool, object]:
    """(keep?, value as echoed) for one field of a refused element: each value in the type the
    schema gives its field, or left out."""
    if key in NUMERIC_FIELDS:
        if isinstance(item, bool) or not isinstance(item, Decimal | int | str):
            return False, None
        try:
            number = Decimal(str(item))
        except InvalidOperation:
            return False, None
        return number.is_finite(), number
    if key in DATE_FIELDS:
        try:
            value = ms_date(parse_date(item))
        except BadDateError:
            return False, None
        return value is not None, value
    if key in INTEGER_FIELDS:
        return isinstance(item, int) and not isinstance(item, bool), item
    if key in OBJECT_FIELDS:
        return isinstance(item, dict), normalised(item, enums)
    if key in LIST_FIELDS:
        return isinstance(item, list), [normalised(entry, enums) for entry in item if isinstance(entry, dict)] \
            if isinstance(item, list) else None
    if _is_boolean_field(key):
        return isinstance(item, bool), item
    if key in enums:
        # Garbage such as a list where an enum belongs is simply not echoed (it is unhashable, too).
        return isinstance(item, str) and item in enums[key], item
    return isinstance(item, str), item


def normalised(value: object, enums: dict[str, set[str]] | None = None) -> object:
    """A refused element as Xero echoes it: numbers as numbers, dates as `/Date(…)/`, and only
    values of the type the schema gives each field (unknown enum values, nulls and oddities left
    out), so an SDK can still deserialise the answer (xero-notes, "What real clients send")."""
    enums = enums or {}
    if isinstance(value, list):
        return [normalised(item, enums) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if item is None or key in ("StatusAttributeString", "ValidationErrors", "Warnings"):
            continue
        keep, echoed = _echoed(key, item, enums)
        if keep:
            result[key] = echoed
    return result


def element_error(element: dict, messages: list[str], enums: dict[str, set[str]] | None = None) -> dict:
    return {**normalised(element, enums), "StatusAttributeString": "ERROR", "HasErrors": True,
            "ValidationErrors": [{"Message": message} for message in messages]}


def with_status(element: dict, warnings: list[str] | None = None) -> dict:
    if warnings:
        return {**element, "StatusAttributeString": "WARNING", "Warnings": [{"Message": w} for w in warnings]}
    return {**element, "StatusAttributeString": "OK"}
