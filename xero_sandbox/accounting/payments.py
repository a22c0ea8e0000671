"""Payments (xero-notes §7): PUT records a payment against an AUTHORISED invoice; POST with
Status DELETED reverses one (payments are otherwise immutable). The invoice's AmountPaid,
AmountDue, Status and FullyPaidOnDate follow."""

from __future__ import annotations

from decimal import Decimal

from xero_sandbox.accounting import where
from xero_sandbox.accounting.elements import new_id, with_status
from xero_sandbox.accounting.invoices import find_by_number
from xero_sandbox.accounting.organisation import account_by_code, lock_date
from xero_sandbox.accounting.request import Req, elements_of, envelope, list_answer, write_batch
from xero_sandbox.errors import ValidationFailedError, not_found
from xero_sandbox.money import ZERO, decimal_or_none, money
from xero_sandbox.xerodates import BadDateError, ms_date, parse_date

ENUMS = {"Status": {"AUTHORISED", "DELETED"},
         "PaymentType": {"ACCRECPAYMENT", "ACCPAYPAYMENT", "ARCREDITPAYMENT", "APCREDITPAYMENT",
                         "AROVERPAYMENTPAYMENT", "ARPREPAYMENTPAYMENT", "APPREPAYMENTPAYMENT",
                         "APOVERPAYMENTPAYMENT"}}


def payment_wire(payment: dict) -> dict:
    body = {key: value for key, value in payment.items() if value is not None and key not in ("Date", "UpdatedDateUTC")}
    body["Date"] = ms_date(payment["Date"])
    body["UpdatedDateUTC"] = ms_date(payment["UpdatedDateUTC"])
    body["HasAccount"] = True
    body["HasValidationErrors"] = False
    return body


def _invoice(org: dict, ref: object) -> dict:
    ref = ref if isinstance(ref, dict) else {}
    invoice_id = ref.get("InvoiceID")
    invoice = (org["invoices"].get(invoice_id) if isinstance(invoice_id, str) else None) or find_by_number(
        org, ref.get("InvoiceNumber"))
    if invoice is None:
        raise ValidationFailedError("Invoice could not be found.")
    return invoice


def _account(org: dict, ref: object) -> dict:
    ref = ref if isinstance(ref, dict) else {}
    account_id = ref.get("AccountID")
    account = (org["accounts"].get(account_id) if isinstance(account_id, str) else None) or account_by_code(
        org, ref.get("Code"))
    if account is None:
        raise ValidationFailedError("Account could not be found.")
    if account["Status"] != "ACTIVE":
        raise ValidationFailedError(f"Account code '{account['Code']}' has been archived, or has been deleted.")
    if account["Type"] != "BANK" and not account.get("EnablePaymentsToAccount"):
        raise ValidationFailedError("Payments can only be made to a bank account or an account with payments "
                                    "enabled.")
    return account


def record_payment(req: Req, element: dict) -> dict:
    """PUT /Payments, one element. Also what the control API calls to play "the customer paid in
    Xero", so that a payment made there obeys the same rules."""
    org = req.org
    invoice = _invoice(org, element.get("Invoice"))
    if invoice["Status"] != "AUTHORISED":
        raise ValidationFailedError("Payment can only be made against Authorised documents.")
    account = _account(org, element.get("Account"))
    amount = decimal_or_none(element.get("Amount"), "Amount")
    if amount is None or amount <= 0:
        raise ValidationFailedError("Payment amount must be greater than zero.")
    amount = money(amount)
    if amount > invoice["AmountDue"]:
        raise ValidationFailedError("Payment amount exceeds the amount outstanding on this document.")
    try:
        paid_on = parse_date(element.get("Date")) or req.now.date()
    except BadDateError as exc:
        raise ValidationFailedError(str(exc)) from None
    lock = lock_date(org)
    if lock and paid_on <= lock:
        raise ValidationFailedError(f"The payment date cannot be on or before the period lock date ({lock:%d/%m/%Y}).")
    reference = element.get("Reference")
    if reference is not None and (not isinstance(reference, str) or len(reference) > 255):
        raise ValidationFailedError("Reference must be 255 characters or fewer.")
    payment = {
        "PaymentID": new_id(), "Date": paid_on, "Amount": amount, "BankAmount": amount, "CurrencyRate": Decimal("1"),
        "Reference": reference or None, "Status": "AUTHORISED",
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
    if invoice["AmountDue"] <= ZERO:
        invoice["Status"] = "PAID"
        invoice["FullyPaidOnDate"] = paid_on
    invoice["UpdatedDateUTC"] = req.now
    return with_status(payment_wire(payment))


def delete_payment(req: Req, payment: dict) -> dict:
    if payment["Status"] == "DELETED":
        raise ValidationFailedError("This payment has already been deleted.")
    lock = lock_date(req.org)
    if lock and payment["Date"] <= lock:
        raise ValidationFailedError(f"The payment is dated on or before the period lock date ({lock:%d/%m/%Y}).")
    invoice = req.org["invoices"][payment["Invoice"]["InvoiceID"]]
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


def _delete_or_refuse(req: Req, payment: dict | None, element: dict) -> dict:
    if payment is None:
        raise ValidationFailedError(f"Payment {element.get('PaymentID')} could not be found.")
    if element.get("Status") != "DELETED":
        raise ValidationFailedError("A payment can't be edited: it can only be deleted (Status DELETED).")
    return delete_payment(req, payment)


def put_payments(req: Req) -> tuple[int, dict]:
    return write_batch(req, "Payments", elements_of(req, "Payments"), lambda e: record_payment(req, e), ENUMS)


def post_payments(req: Req) -> tuple[int, dict]:
    """POST /Payments: elements with a PaymentID are deletions, others new payments."""
    def apply(element: dict) -> dict:
        if element.get("PaymentID"):
            payment_id = element["PaymentID"]
            payment = req.org["payments"].get(payment_id) if isinstance(payment_id, str) else None
            return _delete_or_refuse(req, payment, element)
        return record_payment(req, element)

    return write_batch(req, "Payments", elements_of(req, "Payments"), apply, ENUMS)


def post_payment(req: Req) -> tuple[int, dict]:
    payment = req.org["payments"].get(req.path_params["ref"])
    if payment is None:
        raise not_found()
    element = elements_of(req, "Payments")[0]
    return write_batch(req, "Payments", [element], lambda e: _delete_or_refuse(req, payment, e), ENUMS)


def get_payments(req: Req) -> tuple[int, dict]:
    payments = where.filtered(list(req.org["payments"].values()), req.param("where"), "Payment")
    return list_answer(req, "Payments", payments, schema="Payment",
                       order=lambda p: (p["UpdatedDateUTC"], p["PaymentID"]), wire=payment_wire)


def get_payment(req: Req) -> tuple[int, dict]:
    payment = req.org["payments"].get(req.path_params["ref"])
    if payment is None:
        raise not_found()
    return 200, envelope("Payments", [payment_wire(payment)], req.now)
