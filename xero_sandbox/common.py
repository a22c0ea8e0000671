"""Shapes shared by the Accounting endpoints: Xero's error bodies, per-element results, money."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


class ValidationFailedError(Exception):
    """One element refused, with Xero's messages (a ValidationException)."""

    def __init__(self, *messages: str):
        super().__init__("; ".join(messages))
        self.messages = list(messages)


class ApiError(Exception):
    """An HTTP answer other than 200 or a per-element validation error."""

    def __init__(self, status: int, body, content_type: str = "application/json"):
        super().__init__(str(status))
        self.status, self.body, self.content_type = status, body, content_type


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def decimal_or_none(value):
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except Exception as exc:
        raise ValidationFailedError(f"'{value}' is not a valid number") from exc


def new_id() -> str:
    return str(uuid.uuid4())


def validation_exception(elements: list[dict]) -> dict:
    return {"ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred",
            "Elements": elements}


def post_data_invalid(message: str) -> ApiError:
    return ApiError(400, {"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": message})


def problem(status: int, title: str, detail: str) -> ApiError:
    return ApiError(status, {"Title": title, "Status": status, "Detail": detail,
                             "Type": f"https://httpstatuses.com/{status}", "Instance": new_id()})


NUMERIC_FIELDS = {"Quantity", "UnitAmount", "LineAmount", "TaxAmount", "DiscountRate", "DiscountAmount", "Amount",
                  "BankAmount", "CurrencyRate", "Total", "SubTotal", "TotalTax", "AmountDue", "AmountPaid"}


def normalised(value):
    """A refused element as Xero echoes it: numbers as numbers, absent fields left out."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if item is None:
                continue
            if key in NUMERIC_FIELDS and isinstance(item, str):
                try:
                    item = Decimal(item)
                except ArithmeticError:
                    continue  # not a number: Xero would not echo it as one either
            result[key] = normalised(item)
        return result
    if isinstance(value, list):
        return [normalised(item) for item in value]
    return value


def element_error(element: dict, messages: list[str]) -> dict:
    return {**normalised(element), "StatusAttributeString": "ERROR", "HasErrors": True,
            "ValidationErrors": [{"Message": message} for message in messages]}


def with_status(element: dict, warnings: list[str] | None = None) -> dict:
    if warnings:
        return {**element, "StatusAttributeString": "WARNING", "Warnings": [{"Message": w} for w in warnings]}
    return {**element, "StatusAttributeString": "OK"}
