"""Allocating credit: `PUT /CreditNotes/{CreditNoteID}/Allocations` (SPEC createCreditNoteAllocation:
Allocations with Invoice, Amount and Date; summarizeErrors; Idempotency-Key) and
`DELETE /CreditNotes/{CreditNoteID}/Allocations/{AllocationID}` (SPEC deleteCreditNoteAllocations:
the Allocation back with IsDeleted true).

The rules, each with its source:
- credit is allocated only between approved documents, "i.e. they have a status of Awaiting Payment"
  (Xero help, "Allocate credit to invoices or bills", help.xero.com/au/Payments_AllocateCredit);
- an invoice already paid off is refused with "The invoice you are trying to allocate to has already
  been paid off", more than the credit left or the invoice's amount due with "Credit Note cannot be
  allocated as amount is greater than amount outstanding", and a bill's credit on a sales invoice (or
  the other way round) with "Credit Note cannot be allocated to an incorrect invoice type" (Xero's
  answers quoted in waynerobinson/xeroizer#320; the second also in calcinai/xero-php#251);
- the credit note and the invoice are in one currency: Xero's allocation screen offers only documents
  in the credit's currency (help, as above) [S: the API's own message is not published; ours says so];
- nothing dated on or before the lock date (xero-notes trap 12) is added or removed.
- the Amount must be positive ("AppliedAmount" instead of "Amount" is "a validation error about amount
  being 0": XeroAPI/xero-node#239).

The invoice's AmountCredited, AmountDue, CreditNotes and Status (PAID at zero) follow, as do the
credit note's RemainingCredit and Status (xero-notes §7, trap 14: credit lowers AmountDue without a
Payment). A removed allocation gives both back."""

from __future__ import annotations

from datetime import date

from xero_sandbox.accounting.credit_notes import INVOICE_TYPE, allocation_wire, by_ref, credit_notes
from xero_sandbox.accounting.elements import new_id, with_status
from xero_sandbox.accounting.invoices import invoice_by_ref
from xero_sandbox.accounting.organisation import lock_date
from xero_sandbox.accounting.request import Req, elements_of, write_batch
from xero_sandbox.errors import ApiError, ValidationFailedError, not_found, validation_exception
from xero_sandbox.money import ZERO, decimal_or_none, money
from xero_sandbox.xerodates import BadDateError, parse_date

ENUMS: dict[str, set[str]] = {}
AMOUNT_OUTSTANDING = "Credit Note cannot be allocated as amount is greater than amount outstanding"


def _allocation_date(req: Req, element: dict) -> date:
    try:
        return parse_date(element.get("Date")) or req.now.date()
    except BadDateError as exc:
        raise ValidationFailedError(f"Date: {exc}") from None


def _problems(req: Req, note: dict, invoice: dict, element: dict) -> list[str]:
    problems: list[str] = []
    if note["Status"] not in ("AUTHORISED", "PAID"):
        problems.append("Credit can only be allocated from an approved credit note (status AUTHORISED).")
    if invoice["Type"] != INVOICE_TYPE.get(note["Type"]):
        problems.append("Credit Note cannot be allocated to an incorrect invoice type")
    if invoice["Status"] == "PAID":
        problems.append("The invoice you are trying to allocate to has already been paid off")
    elif invoice["Status"] != "AUTHORISED":
        problems.append("Credit can only be allocated to an approved invoice (status AUTHORISED).")
    if invoice.get("CurrencyCode") != note.get("CurrencyCode"):
        problems.append(f"The invoice is in {invoice.get('CurrencyCode')} and the credit note in "
                        f"{note.get('CurrencyCode')}: credit can only be allocated in the same currency.")
    try:
        amount = decimal_or_none(element.get("Amount"), "Amount")
    except ValidationFailedError as exc:
        return problems + exc.messages
    if amount is None or amount <= 0:
        problems.append("Amount must be greater than zero.")
    elif money(amount) > note["RemainingCredit"] or money(amount) > invoice["AmountDue"]:
        problems.append(AMOUNT_OUTSTANDING)
    return problems


def _refresh_invoice_credits(org: dict, invoice: dict) -> None:
    """The invoice's CreditNotes: one entry per live allocation to it (SPEC Invoice.CreditNotes)."""
    entries = []
    for note in credit_notes(org).values():
        for allocation in note.get("Allocations", []):
            if not allocation.get("IsDeleted") and allocation["Invoice"]["InvoiceID"] == invoice["InvoiceID"]:
                entry = {"CreditNoteID": note["CreditNoteID"], "AppliedAmount": allocation["Amount"],
                         "Date": allocation["Date"], "Total": note["Total"]}
                if note.get("CreditNoteNumber"):
                    entry["CreditNoteNumber"] = note["CreditNoteNumber"]
                entries.append(entry)
    invoice["CreditNotes"] = entries


def allocate(req: Req, note: dict, element: dict) -> dict:
    """One allocation, validated whole before anything changes. Also what the control API calls to
    play "allocated in Xero", so the same rules apply."""
    invoice = invoice_by_ref(req.org, element.get("Invoice"))
    allocated_on = _allocation_date(req, element)
    problems = _problems(req, note, invoice, element)
    lock = lock_date(req.org)
    if lock and allocated_on <= lock:
        problems.append(f"The allocation date cannot be on or before the period lock date ({lock:%d/%m/%Y}).")
    if problems:
        raise ValidationFailedError(*problems)
    amount = money(decimal_or_none(element.get("Amount")) or ZERO)
    allocation = {"AllocationID": new_id(), "Amount": amount, "Date": allocated_on,
                  "Invoice": {"InvoiceID": invoice["InvoiceID"], "InvoiceNumber": invoice.get("InvoiceNumber")}}
    if allocation["Invoice"]["InvoiceNumber"] is None:
        del allocation["Invoice"]["InvoiceNumber"]
    note.setdefault("Allocations", []).append(allocation)
    note["RemainingCredit"] -= amount
    if note["RemainingCredit"] <= ZERO:
        note.update(Status="PAID", FullyPaidOnDate=allocated_on)
    invoice["AmountCredited"] += amount
    invoice["AmountDue"] -= amount
    if invoice["AmountDue"] <= ZERO:
        invoice.update(Status="PAID", FullyPaidOnDate=allocated_on)
    _refresh_invoice_credits(req.org, invoice)
    note["UpdatedDateUTC"] = invoice["UpdatedDateUTC"] = req.now
    return with_status(allocation_wire(note, allocation))


def put_allocations(req: Req) -> tuple[int, dict]:
    note = by_ref(req)
    return write_batch(req, "Allocations", elements_of(req, "Allocations"), lambda e: allocate(req, note, e), ENUMS)


def remove_allocation(req: Req, note: dict, allocation: dict) -> dict:
    """Give the credit back to the credit note and the amount due back to the invoice."""
    lock = lock_date(req.org)
    if lock and allocation["Date"] <= lock:
        raise ValidationFailedError(f"The allocation is dated on or before the period lock date ({lock:%d/%m/%Y}); "
                                    "it cannot be removed.")
    invoice = req.org["invoices"][allocation["Invoice"]["InvoiceID"]]
    allocation["IsDeleted"] = True
    note["RemainingCredit"] += allocation["Amount"]
    if note["Status"] == "PAID" and note["RemainingCredit"] > ZERO:
        note["Status"] = "AUTHORISED"
        note.pop("FullyPaidOnDate", None)
    invoice["AmountCredited"] -= allocation["Amount"]
    invoice["AmountDue"] += allocation["Amount"]
    if invoice["Status"] == "PAID" and invoice["AmountDue"] > ZERO:
        invoice["Status"] = "AUTHORISED"
        invoice.pop("FullyPaidOnDate", None)
    _refresh_invoice_credits(req.org, invoice)
    note["UpdatedDateUTC"] = invoice["UpdatedDateUTC"] = req.now
    return allocation_wire(note, allocation)


def find_allocation(note: dict, allocation_id: str) -> dict | None:
    return next((a for a in note.get("Allocations", [])
                 if a["AllocationID"] == allocation_id and not a.get("IsDeleted")), None)


def delete_allocation(req: Req) -> tuple[int, dict]:
    """The allocation, marked IsDeleted (SPEC: "return response of type Allocation with the isDeleted
    flag as true"). One already removed, or never made, is not found."""
    note = by_ref(req)
    allocation = find_allocation(note, req.path_params["allocation"])
    if allocation is None:
        raise not_found()
    try:
        return 200, remove_allocation(req, note, allocation)
    except ValidationFailedError as exc:
        raise ApiError(400, validation_exception([{"ValidationErrors": [{"Message": m} for m in exc.messages]}]
                                                 )) from None
