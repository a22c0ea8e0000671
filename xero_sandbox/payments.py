"""Payments (xero-notes §7): PUT records a payment against an AUTHORISED invoice; POST with
Status DELETED reverses one. The invoice's AmountPaid, AmountDue and Status follow."""

from __future__ import annotations

from decimal import Decimal

from xero_sandbox import where
from xero_sandbox.common import ApiError, ValidationFailedError, decimal_or_none, money, new_id, with_status
from xero_sandbox.invoices import _find_by_number, _lock_date
from xero_sandbox.request import Req, elements_of, envelope, paginate, write_batch
from xero_sandbox.xerodates import BadDateError, ms_date, parse_date

ZERO = Decimal("0.00")


def payment_wire(payment: dict) -> dict:
    body = {key: value for key, value in payment.items() if value is not None and key not in ("Date", "UpdatedDateUTC")}
    body["Date"] = ms_date(payment["Date"])
    body["UpdatedDateUTC"] = ms_date(payment["UpdatedDateUTC"])
    body["HasAccount"] = True
    body["HasValidationErrors"] = False
    return body


def record_payment(req: Req, element: dict) -> dict:
    """Also used by the control API to play "the customer paid in Xero"."""
    org = req.org
    invoice_ref = element.get("Invoice") or {}
    invoice = org["invoices"].get(invoice_ref.get("InvoiceID") or "") or _find_by_number(
        org, invoice_ref.get("InvoiceNumber"))
    if invoice is None:
        raise ValidationFailedError("Invoice could not be found.")
    if invoice["Status"] != "AUTHORISED":
        raise ValidationFailedError("Payment can only be made against Authorised documents.")
    account_ref = element.get("Account") or {}
    account = org["accounts"].get(account_ref.get("AccountID") or "") or next(
        (a for a in org["accounts"].values() if account_ref.get("Code") and a["Code"] == account_ref["Code"]), None)
    if account is None:
        raise ValidationFailedError("Account could not be found.")
    if account["Type"] != "BANK" and not account.get("EnablePaymentsToAccount"):
        raise ValidationFailedError("Payments can only be made to a bank account or an account with payments "
                                    "enabled.")
    amount = decimal_or_none(element.get("Amount"))
    if amount is None or amount <= 0:
        raise ValidationFailedError("Payment amount must be greater than zero.")
    amount = money(amount)
    if amount > invoice["AmountDue"]:
        raise ValidationFailedError("Payment amount exceeds the amount outstanding on this document.")
    try:
        paid_on = parse_date(element.get("Date")) or req.now.date()
    except BadDateError as exc:
        raise ValidationFailedError(str(exc)) from None
    lock = _lock_date(org)
    if lock and paid_on <= lock:
        raise ValidationFailedError(f"The payment date cannot be on or before the period lock date ({lock:%d/%m/%Y}).")
    payment = {
        "PaymentID": new_id(), "Date": paid_on, "Amount": amount, "BankAmount": amount, "CurrencyRate": Decimal("1"),
        "Reference": element.get("Reference") or None, "Status": "AUTHORISED",
        "PaymentType": "ACCRECPAYMENT" if invoice["Type"] == "ACCREC" else "ACCPAYPAYMENT",
        "IsReconciled": False, "UpdatedDateUTC": req.now,
        "Invoice": {"InvoiceID": invoice["InvoiceID"], "InvoiceNumber": invoice.get("InvoiceNumber"),
                    "Type": invoice["Type"], "Contact": invoice["Contact"]},
        "Account": {"AccountID": account["AccountID"], "Code": account["Code"]},
    }
    org["payments"][payment["PaymentID"]] = payment
    invoice["AmountPaid"] += amount
    invoice["AmountDue"] -= amount
    invoice["Payments"].append({"PaymentID": payment["PaymentID"], "Amount": amount, "Date": paid_on})
    if invoice["AmountDue"] == ZERO:
        invoice["Status"] = "PAID"
        invoice["FullyPaidOnDate"] = paid_on
    invoice["UpdatedDateUTC"] = req.now
    return with_status(payment_wire(payment))


def delete_payment(req: Req, payment: dict) -> dict:
    if payment["Status"] == "DELETED":
        raise ValidationFailedError("This payment has already been deleted.")
    invoice = req.org["invoices"][payment["Invoice"]["InvoiceID"]]
    lock = _lock_date(req.org)
    if lock and payment["Date"] <= lock:
        raise ValidationFailedError(f"The payment is dated on or before the period lock date ({lock:%d/%m/%Y}).")
    payment["Status"] = "DELETED"
    payment["UpdatedDateUTC"] = req.now
    invoice["AmountPaid"] -= payment["Amount"]
    invoice["AmountDue"] += payment["Amount"]
    invoice["Payments"] = [p for p in invoice["Payments"] if p["PaymentID"] != payment["PaymentID"]]
    if invoice["Status"] == "PAID":
        invoice["Status"] = "AUTHORISED"
        invoice.pop("FullyPaidOnDate", None)
    invoice["UpdatedDateUTC"] = req.now
    return with_status(payment_wire(payment))


def put_payments(req: Req):
    return write_batch(req, "Payments", elements_of(req, "Payments"), lambda e: record_payment(req, e))


def post_payment(req: Req):
    payment = req.org["payments"].get(req.path_params["ref"])
    if payment is None:
        raise ApiError(404, {"Title": "Not Found", "Status": 404, "Detail": "The resource could not be found."})
    element = elements_of(req, "Payments")[0]

    def apply(element: dict) -> dict:
        if element.get("Status") != "DELETED":
            raise ValidationFailedError("Payments can't be edited: only deleted (Status DELETED).")
        return delete_payment(req, payment)

    return write_batch(req, "Payments", [element], apply)


def get_payments(req: Req):
    payments = list(req.org["payments"].values())
    if req.param("where"):
        groups = where.parse(req.param("where"))
        payments = [p for p in payments if where.matches(p, groups)]
    if req.modified_since:
        payments = [p for p in payments if p["UpdatedDateUTC"] > req.modified_since]
    payments.sort(key=lambda p: (p["UpdatedDateUTC"], p["PaymentID"]))
    page, pagination = paginate(req, payments)
    return 200, envelope("Payments", [payment_wire(p) for p in page], req.now, pagination)
