"""Credit notes (Xero's CreditNotes endpoint; fields and enums as xero_accounting.yaml's CreditNote):
PUT creates, POST creates or updates by CreditNoteID, GET lists (paged, `where`, `order`,
If-Modified-Since) or reads one. Lines, tax, contact, currency and lock-date rules are the invoices'
(invoices.py, invoice_lines.py), with what differs for credit notes:

- Type is ACCRECCREDIT or ACCPAYCREDIT (SPEC enum). CreditNoteNumber is unique and generated when
  left out only for ACCRECCREDIT, and Reference is ACCRECCREDIT only (SPEC CreditNote.CreditNoteNumber,
  .Reference); an ACCPAYCREDIT's number is the supplier's and may repeat, like an ACCPAY invoice's.
- No discounts: "ACC PAY invoices and credit notes in Xero do not support discounts" (SPEC
  LineItem.DiscountRate, .DiscountAmount).
- No due date rule: Xero's DueDate rule is an approved *invoice's* (xero-notes §6.1).
- Allocations sent inside a credit note are ignored: "The allocation cannot be applied at the same time
  the Credit Note is created by the API" (Xero support, quoted in waynerobinson/xeroizer#196); they go
  through PUT /CreditNotes/{id}/Allocations (allocations.py).
- RemainingCredit = Total less what is allocated and refunded; at zero the credit note is PAID, and
  it goes back to AUTHORISED when an allocation or refund is removed (allocations.py).
- Once credit is allocated or refunded the credit note is locked like a paid invoice: "This document
  cannot be edited as it has a payment or credit note allocated to it" (the answer quoted in
  xeroizer PR #211), and it cannot be voided until they are removed (Xero's help "Void an awaiting
  payment or paid credit note: remove any payments and refunds" first).
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

from xero_sandbox.accounting import where
from xero_sandbox.accounting.currencies import invoice_currency_problems
from xero_sandbox.accounting.elements import new_id, normalised, with_status
from xero_sandbox.accounting.invoices import UPDATES, _apply_contact, _apply_lines, _date, _paid_changes
from xero_sandbox.accounting.organisation import lock_date
from xero_sandbox.accounting.request import Req, echo_update, elements_of, envelope, list_answer, write_batch
from xero_sandbox.errors import ValidationFailedError, not_found
from xero_sandbox.money import CURRENCIES, ZERO
from xero_sandbox.xerodates import ms_date

TYPES = {"ACCRECCREDIT", "ACCPAYCREDIT"}
STATUSES = {"DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"}
CREATE_STATUSES = {"DRAFT", "SUBMITTED", "AUTHORISED"}
LINE_AMOUNT_TYPES = {"Exclusive", "Inclusive", "NoTax"}
ENUMS = {"Type": TYPES, "Status": STATUSES, "LineAmountTypes": LINE_AMOUNT_TYPES, "CurrencyCode": CURRENCIES}
# The invoice type each credit note type may be allocated to (allocations.py).
INVOICE_TYPE = {"ACCRECCREDIT": "ACCREC", "ACCPAYCREDIT": "ACCPAY"}
DATE_KEYS = ("Date", "DueDate", "FullyPaidOnDate", "UpdatedDateUTC")


def credit_notes(org: dict) -> dict[str, dict]:
    """The organisation's credit notes (a state saved before credit notes existed has none yet)."""
    return org.setdefault("credit_notes", {})


def allocation_wire(note: dict, allocation: dict) -> dict:
    body = {"AllocationID": allocation["AllocationID"], "Amount": allocation["Amount"],
            "Date": ms_date(allocation["Date"]), "Invoice": dict(allocation["Invoice"]),
            "CreditNote": {"CreditNoteID": note["CreditNoteID"]}}
    if note.get("CreditNoteNumber"):
        body["CreditNote"]["CreditNoteNumber"] = note["CreditNoteNumber"]
    if allocation.get("IsDeleted"):
        body["IsDeleted"] = True
    return body


def credit_note_wire(note: dict) -> dict:
    body = {key: normalised(value, ENUMS) for key, value in note.items()
            if value is not None and key not in (*DATE_KEYS, "Allocations", "Payments", "CreatedBy")}
    for key in DATE_KEYS:
        if note.get(key):
            body[key] = ms_date(note[key])
    body["Allocations"] = [allocation_wire(note, a) for a in note.get("Allocations", []) if not a.get("IsDeleted")]
    body["Payments"] = [{**{k: v for k, v in p.items() if v is not None}, "Date": ms_date(p["Date"])}
                        for p in note.get("Payments", [])]
    body["HasAttachments"] = False
    body["HasErrors"] = False
    return body


def credit_totals(note: dict) -> None:
    """SubTotal, TotalTax and Total from the lines (each rounded per line, invoice_lines.py), and
    what is left to allocate or refund."""
    amounts = sum((line["LineAmount"] for line in note["LineItems"]), ZERO)
    tax = sum((line["TaxAmount"] for line in note["LineItems"]), ZERO)
    if note["LineAmountTypes"] == "Inclusive":
        note.update(SubTotal=amounts - tax, TotalTax=tax, Total=amounts)
    else:
        note.update(SubTotal=amounts, TotalTax=tax, Total=amounts + tax)
    note["RemainingCredit"] = note["Total"] - used_credit(note)


def used_credit(note: dict) -> Decimal:
    allocated = sum((a["Amount"] for a in note.get("Allocations", []) if not a.get("IsDeleted")), ZERO)
    refunded = sum((p["Amount"] for p in note.get("Payments", [])), ZERO)
    return allocated + refunded


def find_by_number(org: dict, number: object, exclude: str | None = None) -> dict | None:
    if not isinstance(number, str) or not number:
        return None
    return next((n for n in credit_notes(org).values() if n["Type"] == "ACCRECCREDIT"
                 and n.get("CreditNoteNumber") == number and n["CreditNoteID"] != exclude
                 and n["Status"] != "DELETED"), None)


def _next_number(org: dict) -> str:
    """Xero's own sequence ("when missing will auto-generate from your Organisation Invoice Settings")."""
    sequence = sum(1 for n in credit_notes(org).values() if n["Type"] == "ACCRECCREDIT") + 1
    while find_by_number(org, f"CN-{sequence:04d}"):
        sequence += 1
    return f"CN-{sequence:04d}"


def _check_status(note: dict, element: dict, existing: dict | None, status: str, lock: date | None) -> None:
    """What refuses the whole element at once, as for invoices (xero-notes §6.2)."""
    if status not in STATUSES:
        raise ValidationFailedError(f"Status '{status}' is not a valid credit note status.")
    if note["Type"] not in TYPES:
        raise ValidationFailedError("Credit Note Type must be ACCRECCREDIT or ACCPAYCREDIT.")
    if existing is None:
        if status not in CREATE_STATUSES:
            raise ValidationFailedError(f"A credit note can't be created with status {status}.")
        return
    old_status = existing["Status"]
    if status not in UPDATES.get(old_status, set()):
        raise ValidationFailedError(f"This document cannot be edited as it has a status of {old_status}."
                                    if not UPDATES.get(old_status) else
                                    f"Credit note status cannot be changed from {old_status} to {status}.")
    if lock and existing["Date"] <= lock:
        raise ValidationFailedError(f"The document date cannot be on or before the period lock date "
                                    f"({lock:%d/%m/%Y}); it cannot be edited.")
    if used_credit(existing) > 0:
        if status == "VOIDED":
            raise ValidationFailedError("Allocations and refunds must be removed before this credit note can be "
                                        "voided.")
        if _paid_changes(existing, {k: v for k, v in element.items() if k not in ("Allocations", "CreditNoteID",
                                                                                      "CreditNoteNumber")}):
            raise ValidationFailedError("This document cannot be edited as it has a payment or credit note "
                                        "allocated to it.")


def _apply_header(req: Req, note: dict, element: dict, existing: dict | None, problems: list[str]) -> None:
    for key in ("Reference", "BrandingThemeID", "CurrencyCode", "LineAmountTypes"):
        if key in element:
            note[key] = element[key]
    if note["LineAmountTypes"] not in LINE_AMOUNT_TYPES:
        problems.append(f"LineAmountTypes '{note['LineAmountTypes']}' is not valid.")
        note["LineAmountTypes"] = "Exclusive"
    problems += invoice_currency_problems(req.org, note, element)
    reference = note.get("Reference")
    if reference is not None and (not isinstance(reference, str) or len(reference) > 255):
        problems.append("Reference must be 255 characters or fewer.")
    if reference and note["Type"] == "ACCPAYCREDIT":
        note.pop("Reference")  # "ACCRECCREDIT only" (SPEC): Xero keeps none on a bill's credit
    try:
        if "Date" in element or existing is None:
            note["Date"] = _date(element.get("Date"), "Date") or req.now.date()
        if "DueDate" in element:
            note["DueDate"] = _date(element.get("DueDate"), "DueDate")
    except ValidationFailedError as exc:
        problems += exc.messages


def _apply_number(org: dict, note: dict, element: dict, problems: list[str]) -> None:
    if "CreditNoteNumber" in element:
        note["CreditNoteNumber"] = element["CreditNoteNumber"]
    if not note.get("CreditNoteNumber") and note["Type"] == "ACCRECCREDIT":
        note["CreditNoteNumber"] = _next_number(org)
    number = note.get("CreditNoteNumber") or ""
    if not isinstance(number, str) or len(number) > 255 or not number.isprintable():
        problems.append("CreditNoteNumber must be printable and 255 characters or fewer.")
    elif note["Type"] == "ACCRECCREDIT" and find_by_number(org, number, exclude=note["CreditNoteID"]):
        problems.append("Credit Note # must be unique.")


def _apply(req: Req, element: dict, existing: dict | None) -> dict:
    problems: list[str] = []
    note = copy.deepcopy(existing) if existing else _new(req, element)
    status = element.get("Status") or note["Status"]
    lock = lock_date(req.org)
    _check_status(note, element, existing, status, lock)
    _apply_header(req, note, element, existing, problems)
    contact = _apply_contact(req.org, note, element, existing, problems)
    _apply_number(req.org, note, element, problems)
    _apply_lines(req, note, element, existing, status, problems)
    if status in ("AUTHORISED", "SUBMITTED") and not note["LineItems"]:
        problems.append("An approved credit note must have at least one line item.")
    if lock and note.get("Date") and note["Date"] <= lock and status not in ("DRAFT", "DELETED"):
        problems.append(f"The document date cannot be on or before the period lock date ({lock:%d/%m/%Y}).")
    if problems:
        raise ValidationFailedError(*dict.fromkeys(problems))
    note["Status"] = status
    credit_totals(note)
    note["UpdatedDateUTC"] = req.now
    credit_notes(req.org)[note["CreditNoteID"]] = note
    if contact is not None and status == "AUTHORISED":
        contact["IsCustomer" if note["Type"] == "ACCRECCREDIT" else "IsSupplier"] = True
    return with_status(credit_note_wire(note))


def _new(req: Req, element: dict) -> dict:
    return {
        "CreditNoteID": new_id(), "Type": element.get("Type"), "Status": "DRAFT", "LineAmountTypes": "Exclusive",
        "CurrencyCode": req.org["base_currency"], "CurrencyRate": Decimal("1"), "Allocations": [], "Payments": [],
        "LineItems": [], "CreatedBy": req.client_id,
    }


def put_credit_notes(req: Req) -> tuple[int, dict]:
    def create(element: dict) -> dict:
        if element.get("CreditNoteID") and element["CreditNoteID"] in credit_notes(req.org):
            raise ValidationFailedError("A credit note with this CreditNoteID already exists; use POST to update it.")
        return _apply(req, {k: v for k, v in element.items() if k != "CreditNoteID"}, None)

    return write_batch(req, "CreditNotes", elements_of(req, "CreditNotes"), create, ENUMS)


def _update(req: Req, element: dict, existing: dict) -> dict:
    return echo_update(lambda: _apply(req, element, existing), credit_note_wire(existing), element)


def post_credit_notes(req: Req) -> tuple[int, dict]:
    """Creates, or updates the credit note its CreditNoteID names ("An existing Credit Note with the
    specified CreditNoteID could not be found": SPEC, updateOrCreateCreditNotes' example)."""
    def upsert(element: dict) -> dict:
        if not element.get("CreditNoteID"):
            return _apply(req, element, None)
        note_id = element["CreditNoteID"]
        existing = credit_notes(req.org).get(note_id) if isinstance(note_id, str) else None
        if existing is None:
            raise ValidationFailedError("An existing Credit Note with the specified CreditNoteID could not be found")
        return _update(req, element, existing)

    return write_batch(req, "CreditNotes", elements_of(req, "CreditNotes"), upsert, ENUMS)


def by_ref(req: Req) -> dict:
    note = credit_notes(req.org).get(req.path_params["ref"])
    if note is None:
        raise not_found()
    return note


def post_credit_note(req: Req) -> tuple[int, dict]:
    existing = by_ref(req)
    element = {**elements_of(req, "CreditNotes")[0], "CreditNoteID": existing["CreditNoteID"]}
    return write_batch(req, "CreditNotes", [element], lambda e: _update(req, e, existing), ENUMS)


def get_credit_notes(req: Req) -> tuple[int, dict]:
    """As GET /Invoices: `where`, `order`, If-Modified-Since, and paging with lines ("page=1 – Up to 100
    credit notes will be returned in a single API call with line items shown for each credit note",
    SPEC getCreditNotes); without `page` the lines are left out, as for invoices (invoices.py)."""
    notes = where.filtered(list(credit_notes(req.org).values()), req.param("where"), "CreditNote")
    wire = credit_note_wire if req.param("page") is not None else _without_lines
    return list_answer(req, "CreditNotes", notes, schema="CreditNote",
                       order=lambda n: (n["UpdatedDateUTC"], n["CreditNoteID"]), wire=wire)


def _without_lines(note: dict) -> dict:
    return {key: value for key, value in credit_note_wire(note).items() if key != "LineItems"}


def get_credit_note(req: Req) -> tuple[int, dict]:
    return 200, envelope("CreditNotes", [credit_note_wire(by_ref(req))], req.now)
