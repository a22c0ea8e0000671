"""Payments (xero-notes §7): PUT records a payment against an AUTHORISED invoice; POST with
Status DELETED reverses one (payments are otherwise immutable). The invoice's AmountPaid,
AmountDue, Status and FullyPaidOnDate follow.

A payment with a CreditNote instead of an Invoice is a refund of that credit (Xero's Payment has a
CreditNote field, SPEC; its PaymentType is ARCREDITPAYMENT for a sales credit note, APCREDITPAYMENT
for a bill's, SPEC Payment.PaymentType): the same rules as a payment, against the credit left, and
the credit note's RemainingCredit, Payments and Status (PAID at zero) follow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from xero_sandbox.accounting import where
from xero_sandbox.accounting.credit_notes import credit_notes
from xero_sandbox.accounting.elements import new_id, with_status
from xero_sandbox.accounting.invoices import invoice_by_ref
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


def _checked(org: dict, status: str, outstanding: Decimal, element: dict) -> tuple[dict, Decimal]:
    """The account paid into and the amount, as Xero checks them for any document."""
    if status != "AUTHORISED":
        raise ValidationFailedError("Payment can only be made against Authorised documents.")
    account = _account(org, element.get("Account"))
    amount = decimal_or_none(element.get("Amount"), "Amount")
    if amount is None or amount <= 0:
        raise ValidationFailedError("Payment amount must be greater than zero.")
    amount = money(amount)
    if amount > outstanding:
        raise ValidationFailedError("Payment amount exceeds the amount outstanding on this document.")
    return account, amount


def _date_and_reference(req: Req, element: dict) -> tuple[date, str | None]:
    try:
        paid_on = parse_date(element.get("Date")) or req.now.date()
    except BadDateError as exc:
        raise ValidationFailedError(str(exc)) from None
    lock = lock_date(req.org)
    if lock and paid_on <= lock:
        raise ValidationFailedError(f"The payment date cannot be on or before the period lock date ({lock:%d/%m/%Y}).")
    reference = element.get("Reference")
    if reference is not None and (not isinstance(reference, str) or len(reference) > 255):
        raise ValidationFailedError("Reference must be 255 characters or fewer.")
    return paid_on, reference or None


def _record_refund(req: Req, element: dict) -> dict:
    """A refund of credit: cash back to the customer from a credit note (ARCREDITPAYMENT)."""
    ref = element["CreditNote"] if isinstance(element["CreditNote"], dict) else {}
    note_id = ref.get("CreditNoteID")
    note = credit_notes(req.org).get(note_id) if isinstance(note_id, str) else None
    if note is None:
        raise ValidationFailedError("Credit note could not be found.")
    account, amount = _checked(req.org, note["Status"], note["RemainingCredit"], element)
    paid_on, reference = _date_and_reference(req, element)
    payment = {
        "PaymentID": new_id(), "Date": paid_on, "Amount": amount, "BankAmount": amount, "CurrencyRate": Decimal("1"),
        "Reference": reference, "Status": "AUTHORISED",
        "PaymentType": "ARCREDITPAYMENT" if note["Type"] == "ACCRECCREDIT" else "APCREDITPAYMENT",
        "IsReconciled": False, "UpdatedDateUTC": req.now,
        "CreditNote": {key: note[key] for key in ("CreditNoteID", "CreditNoteNumber") if note.get(key)},
        "Account": {"AccountID": account["AccountID"], "Code": account["Code"]},
    }
    req.org["payments"][payment["PaymentID"]] = payment
    # The credit note lists it with its Reference (the OpenAPI's getCreditNotes example: CreditNotes[].Payments[]
    # carry PaymentID, Date, Amount, Reference): what BMS finds a refund of its own by after a lost answer.
    note.setdefault("Payments", []).append({"PaymentID": payment["PaymentID"], "Amount": amount, "Date": paid_on,
                                            "Reference": reference})
    note["RemainingCredit"] -= amount
    if note["RemainingCredit"] <= ZERO:
        note.update(Status="PAID", FullyPaidOnDate=paid_on)
    note["UpdatedDateUTC"] = req.now
    return with_status(payment_wire(payment))


def _reverse_refund(req: Req, payment: dict) -> None:
    note = credit_notes(req.org)[payment["CreditNote"]["CreditNoteID"]]
    note["Payments"] = [p for p in note.get("Payments", []) if p["PaymentID"] != payment["PaymentID"]]
    note["RemainingCredit"] += payment["Amount"]
    if note["Status"] == "PAID":
        note["Status"] = "AUTHORISED"
        note.pop("FullyPaidOnDate", None)
    note["UpdatedDateUTC"] = req.now


def record_payment(req: Req, element: dict) -> dict:
    """PUT /Payments, one element. Also what the control API calls to play "the customer paid in
    Xero", so that a payment made there obeys the same rules."""
    org = req.org
    if element.get("CreditNote") is not None and element.get("Invoice") is None:
        return _record_refund(req, element)
    invoice = invoice_by_ref(org, element.get("Invoice"))
    account, amount = _checked(org, invoice["Status"], invoice["AmountDue"], element)
    paid_on, reference = _date_and_reference(req, element)
    payment = {
        "PaymentID": new_id(), "Date": paid_on, "Amount": amount, "BankAmount": amount, "CurrencyRate": Decimal("1"),
        "Reference": reference, "Status": "AUTHORISED",
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
    payment["Status"] = "DELETED"
    payment["UpdatedDateUTC"] = req.now
    if "Invoice" not in payment:
        _reverse_refund(req, payment)
        return with_status(payment_wire(payment))
    invoice = req.org["invoices"][payment["Invoice"]["InvoiceID"]]
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
