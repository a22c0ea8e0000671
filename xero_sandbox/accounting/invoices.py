"""Invoices (xero-notes §6): Xero's validation, totals computed per line (invoice_lines.py), the
status rules and LineItemID round-tripping (lines sent with their id are updated, lines without one
created, lines left out deleted).

Every change is made on a deep copy and stored only once the whole element validated, so a
refused element never leaves half an invoice behind."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

from xero_sandbox.accounting import where
from xero_sandbox.accounting.currencies import invoice_currency_problems
from xero_sandbox.accounting.elements import READ_ONLY, new_id, normalised, with_status
from xero_sandbox.accounting.invoice_lines import line_build
from xero_sandbox.accounting.organisation import lock_date
from xero_sandbox.accounting.request import Req, echo_update, elements_of, envelope, list_answer, write_batch
from xero_sandbox.errors import ValidationFailedError, not_found
from xero_sandbox.money import CURRENCIES, ZERO
from xero_sandbox.xerodates import BadDateError, ms_date, parse_date

STATUSES = {"DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"}
# Allowed status changes on update (xero-notes §6.2). PAID is the system's, never the client's.
UPDATES = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"SUBMITTED", "AUTHORISED", "DRAFT", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
    "PAID": {"PAID"},
    "VOIDED": set(),
    "DELETED": set(),
}
CREATE_STATUSES = {"DRAFT", "SUBMITTED", "AUTHORISED"}
LINE_AMOUNT_TYPES = {"Exclusive", "Inclusive", "NoTax"}
TYPES = {"ACCREC", "ACCPAY"}
ENUMS = {"Type": TYPES | {"ACCPAYCREDIT", "ACCRECCREDIT"}, "Status": STATUSES, "LineAmountTypes": LINE_AMOUNT_TYPES,
         "CurrencyCode": CURRENCIES}
# What may still change once money is allocated (xero-notes §6.2).
EDITABLE_WHEN_PAID = {"Reference", "DueDate", "InvoiceNumber", "Url", "BrandingThemeID", "Contact", "InvoiceID", "Type",
                      "Status", "LineItems", "SentToContact", "ExpectedPaymentDate"}
LINE_FIELDS_FIXED_WHEN_PAID = ("Quantity", "UnitAmount", "DiscountRate", "DiscountAmount", "TaxType")


def invoice_wire(invoice: dict) -> dict:
    body = {key: normalised(value) for key, value in invoice.items()
            if value is not None and key not in ("UpdatedDateUTC", "Date", "DueDate", "FullyPaidOnDate", "CreatedBy")}
    body["Date"] = ms_date(invoice["Date"])
    if invoice.get("DueDate"):
        body["DueDate"] = ms_date(invoice["DueDate"])
    if invoice.get("FullyPaidOnDate"):
        body["FullyPaidOnDate"] = ms_date(invoice["FullyPaidOnDate"])
    body["UpdatedDateUTC"] = ms_date(invoice["UpdatedDateUTC"])
    body["Payments"] = [{**p, "Date": ms_date(p["Date"])} for p in invoice.get("Payments", [])]
    body["HasAttachments"] = False
    body["HasErrors"] = False
    body["IsDiscounted"] = any(line.get("DiscountRate") or line.get("DiscountAmount") for line in invoice["LineItems"])
    return body


def _date(value: object, label: str) -> date | None:
    try:
        return parse_date(value)
    except BadDateError as exc:
        raise ValidationFailedError(f"{label}: {exc}") from None


def _totals(invoice: dict) -> None:
    amounts = sum((line["LineAmount"] for line in invoice["LineItems"]), ZERO)
    tax = sum((line["TaxAmount"] for line in invoice["LineItems"]), ZERO)
    if invoice["LineAmountTypes"] == "Inclusive":
        invoice.update(SubTotal=amounts - tax, TotalTax=tax, Total=amounts)
    else:
        invoice.update(SubTotal=amounts, TotalTax=tax, Total=amounts + tax)
    invoice["AmountDue"] = invoice["Total"] - invoice["AmountPaid"] - invoice["AmountCredited"]


def _same(current: object, sent: object) -> bool:
    if isinstance(current, Decimal):
        try:
            return current == Decimal(str(sent))
        except ArithmeticError:
            return False
    if isinstance(current, date):
        try:
            return parse_date(sent) == current
        except BadDateError:
            return False
    return current == sent


def _paid_changes(existing: dict, element: dict) -> bool:
    """Does the update touch anything Xero locks once money is allocated? Read-only fields an SDK
    echoes back (HasAttachments, AmountDue…) are ignored, as Xero ignores them."""
    for key, value in element.items():
        if key in EDITABLE_WHEN_PAID or key in READ_ONLY:
            continue
        if not _same(existing.get(key), value):
            return True
    if "LineItems" in element:
        old_lines = {line["LineItemID"]: line for line in existing["LineItems"]}
        sent = [raw for raw in element["LineItems"] or [] if isinstance(raw, dict)]
        if {raw.get("LineItemID") for raw in sent} != set(old_lines) or len(sent) != len(old_lines):
            return True  # a line added or removed
        for raw in sent:
            old = old_lines[raw["LineItemID"]]
            if any(key in raw and raw[key] is not None and not _same(old.get(key), raw[key])
                   for key in LINE_FIELDS_FIXED_WHEN_PAID):
                return True
    return False


def find_by_number(org: dict, number: object, exclude: str | None = None) -> dict | None:
    if not isinstance(number, str) or not number:
        return None
    return next((i for i in org["invoices"].values() if i["Type"] == "ACCREC" and i.get("InvoiceNumber") == number
                 and i["InvoiceID"] != exclude and i["Status"] != "DELETED"), None)


def invoice_by_ref(org: dict, ref: object) -> dict:
    """The invoice a payment or an allocation names, by InvoiceID or InvoiceNumber."""
    ref = ref if isinstance(ref, dict) else {}
    invoice_id = ref.get("InvoiceID")
    invoice = (org["invoices"].get(invoice_id) if isinstance(invoice_id, str) else None) or find_by_number(
        org, ref.get("InvoiceNumber"))
    if invoice is None:
        raise ValidationFailedError("Invoice could not be found.")
    return invoice


def _next_number(org: dict) -> str:
    """Xero's own sequence, used when a client leaves InvoiceNumber out (xero-notes trap 6)."""
    sequence = sum(1 for i in org["invoices"].values() if i["Type"] == "ACCREC") + 1
    while find_by_number(org, f"INV-{sequence:04d}"):
        sequence += 1
    return f"INV-{sequence:04d}"


def _contact(org: dict, ref: object, problems: list[str]) -> dict | None:
    if not isinstance(ref, dict):
        problems.append("A Contact must be specified with a ContactID or Name.")
        return None
    if ref.get("ContactID"):
        contact = org["contacts"].get(ref["ContactID"]) if isinstance(ref["ContactID"], str) else None
        if contact is None:
            problems.append(f"The contact with ContactID {ref['ContactID']} could not be found.")
        return contact
    for key in ("ContactNumber", "Name"):
        if isinstance(ref.get(key), str) and ref[key]:
            contact = next((c for c in org["contacts"].values() if c.get(key) == ref[key]
                            and c.get("ContactStatus") != "ARCHIVED"), None)
            if contact is None:
                problems.append(f"The contact {ref[key]} could not be found.")
            return contact
    problems.append("A Contact must be specified with a ContactID or Name.")
    return None


def _check_update(existing: dict, element: dict, status: str, lock: date | None) -> None:
    old_status = existing["Status"]
    if status not in UPDATES.get(old_status, set()):
        raise ValidationFailedError(f"This document cannot be edited as it has a status of {old_status}."
                                    if not UPDATES.get(old_status) else
                                    f"Invoice status cannot be changed from {old_status} to {status}.")
    if lock and existing["Date"] <= lock:
        raise ValidationFailedError(f"The document date cannot be on or before the period lock date "
                                    f"({lock:%d/%m/%Y}); it cannot be edited.")
    paid = existing["AmountPaid"] > 0 or existing["AmountCredited"] > 0
    if paid and status == "VOIDED":
        raise ValidationFailedError("Payments must be removed before this invoice can be voided.")
    if paid and _paid_changes(existing, element):
        raise ValidationFailedError("This document cannot be edited as it has a payment or credit note "
                                    "allocated to it.")


def _apply(req: Req, element: dict, existing: dict | None) -> dict:
    problems: list[str] = []
    invoice = copy.deepcopy(existing) if existing else _new_invoice(req, element)
    status = element.get("Status") or invoice["Status"]
    lock = lock_date(req.org)
    _check_status(invoice, element, existing, status, lock)
    _apply_header(req, invoice, element, existing, problems)
    contact = _apply_contact(req.org, invoice, element, existing, problems)
    _apply_number(req.org, invoice, element, problems)
    _apply_lines(req, invoice, element, existing, status, problems)
    _check_approval(invoice, status, lock, problems)
    if problems:
        raise ValidationFailedError(*dict.fromkeys(problems))
    invoice["Status"] = status
    _totals(invoice)
    if invoice["Status"] == "AUTHORISED" and invoice["AmountDue"] <= ZERO and invoice["AmountPaid"] > 0:
        invoice["Status"] = "PAID"
    invoice["UpdatedDateUTC"] = req.now
    req.org["invoices"][invoice["InvoiceID"]] = invoice
    if contact is not None and invoice["Status"] == "AUTHORISED":
        contact["IsCustomer" if invoice["Type"] == "ACCREC" else "IsSupplier"] = True
    return with_status(invoice_wire(invoice))


def _new_invoice(req: Req, element: dict) -> dict:
    return {
        "InvoiceID": new_id(), "Type": element.get("Type"), "Status": "DRAFT", "LineAmountTypes": "Exclusive",
        "CurrencyCode": req.org["base_currency"], "CurrencyRate": Decimal("1"), "AmountPaid": ZERO,
        "AmountCredited": ZERO, "Payments": [], "LineItems": [], "CreatedBy": req.client_id,
    }


def _check_status(invoice: dict, element: dict, existing: dict | None, status: str, lock: date | None) -> None:
    """What refuses the whole element at once (Xero answers these with a single message)."""
    if status not in STATUSES:
        raise ValidationFailedError(f"Status '{status}' is not a valid invoice status.")
    if existing is not None:
        _check_update(existing, element, status, lock)
    elif status not in CREATE_STATUSES:
        raise ValidationFailedError(f"An invoice can't be created with status {status}.")
    if invoice["Type"] not in TYPES:
        raise ValidationFailedError("Invoice Type must be ACCREC or ACCPAY.")


def _apply_header(req: Req, invoice: dict, element: dict, existing: dict | None, problems: list[str]) -> None:
    for key in ("Reference", "Url", "BrandingThemeID", "CurrencyCode", "LineAmountTypes", "SentToContact"):
        if key in element:
            invoice[key] = element[key]
    if invoice["LineAmountTypes"] not in LINE_AMOUNT_TYPES:
        problems.append(f"LineAmountTypes '{invoice['LineAmountTypes']}' is not valid.")
        invoice["LineAmountTypes"] = "Exclusive"
    problems += invoice_currency_problems(req.org, invoice, element)
    for key, kind, label in (("SentToContact", bool, "true or false"), ("Url", str, "text"),
                             ("BrandingThemeID", str, "text")):
        if invoice.get(key) is not None and not isinstance(invoice[key], kind):
            problems.append(f"{key} must be {label}.")
    reference = invoice.get("Reference")
    if reference is not None and (not isinstance(reference, str) or len(reference) > 255):
        problems.append("Reference must be 255 characters or fewer.")
    try:
        if "Date" in element or existing is None:
            invoice["Date"] = _date(element.get("Date"), "Date") or req.now.date()
        if "DueDate" in element:
            invoice["DueDate"] = _date(element.get("DueDate"), "DueDate")
    except ValidationFailedError as exc:
        problems += exc.messages


def _apply_contact(org: dict, invoice: dict, element: dict, existing: dict | None, problems: list[str]
                   ) -> dict | None:
    if "Contact" not in element and existing is not None:
        return None
    contact = _contact(org, element.get("Contact"), problems)
    if contact is not None and contact.get("ContactStatus") in ("ARCHIVED", "GDPRREQUEST"):
        problems.append(f"The contact {contact['Name']} has been archived and can't be used on a new "
                        "transaction.")
    elif contact is not None:
        invoice["Contact"] = {"ContactID": contact["ContactID"], "Name": contact["Name"]}
    return contact


def _apply_number(org: dict, invoice: dict, element: dict, problems: list[str]) -> None:
    if "InvoiceNumber" in element:
        invoice["InvoiceNumber"] = element["InvoiceNumber"]
    if not invoice.get("InvoiceNumber") and invoice["Type"] == "ACCREC":
        invoice["InvoiceNumber"] = _next_number(org)
    number = invoice.get("InvoiceNumber") or ""
    if not isinstance(number, str) or len(number) > 255 or not number.isprintable():
        problems.append("InvoiceNumber must be printable and 255 characters or fewer.")
    elif invoice["Type"] == "ACCREC" and find_by_number(org, number, exclude=invoice["InvoiceID"]):
        problems.append("Invoice # must be unique.")


def _apply_lines(req: Req, invoice: dict, element: dict, existing: dict | None, status: str,
                 problems: list[str]) -> None:
    """Lines sent with their id are updated, lines without one created, lines left out deleted; an
    update that changes the tax treatment or the status recomputes the lines it keeps."""
    if "LineItems" in element:
        raw_lines = element["LineItems"] if isinstance(element["LineItems"], list) else None
        if raw_lines is None:
            problems.append("LineItems must be a list.")
            raw_lines = []
        old_lines = {line["LineItemID"]: line for line in invoice["LineItems"]}
        lines = []
        for raw in raw_lines:
            if not isinstance(raw, dict):
                problems.append("LineItems must be objects.")
                continue
            old = old_lines.get(raw.get("LineItemID")) if raw.get("LineItemID") else None
            if raw.get("LineItemID") and old is None:
                problems.append(f"LineItemID {raw['LineItemID']} does not belong to this invoice.")
                continue
            line, line_problems = line_build(req, raw, status, invoice["LineAmountTypes"], old, invoice["Type"])
            problems += line_problems
            lines.append(line)
        invoice["LineItems"] = lines  # lines left out are deleted, as Xero does
    elif existing is not None and ("LineAmountTypes" in element or status != existing["Status"]):
        recomputed = []
        for line in invoice["LineItems"]:
            line, line_problems = line_build(req, {}, status, invoice["LineAmountTypes"], line, invoice["Type"])
            problems += line_problems
            recomputed.append(line)
        invoice["LineItems"] = recomputed


def _check_approval(invoice: dict, status: str, lock: date | None, problems: list[str]) -> None:
    """An approved invoice needs lines and a DueDate (xero-notes §6.1: xeroizer#395, xero-python#78)
    and a date after the lock date (§6.2, trap 12). Xero has no rule on the DueDate's order: a due
    date before the invoice date is accepted, as Xero's own request examples need."""
    if status in ("AUTHORISED", "SUBMITTED") and not invoice["LineItems"]:
        problems.append("An approved invoice must have at least one line item.")
    if status == "AUTHORISED" and not invoice.get("DueDate"):
        problems.append("Due Date is mandatory for an approved invoice.")
    if lock and invoice.get("Date") and invoice["Date"] <= lock and status not in ("DRAFT", "DELETED"):
        problems.append(f"The document date cannot be on or before the period lock date ({lock:%d/%m/%Y}).")


def put_invoices(req: Req) -> tuple[int, dict]:
    def create(element: dict) -> dict:
        if element.get("InvoiceID") and element["InvoiceID"] in req.org["invoices"]:
            raise ValidationFailedError("An invoice with this InvoiceID already exists; use POST to update it.")
        return _apply(req, {k: v for k, v in element.items() if k != "InvoiceID"}, None)

    return write_batch(req, "Invoices", elements_of(req, "Invoices"), create, ENUMS)


def post_invoices(req: Req) -> tuple[int, dict]:
    def upsert(element: dict) -> dict:
        existing = None
        if element.get("InvoiceID"):
            existing = req.org["invoices"].get(element["InvoiceID"]) if isinstance(element["InvoiceID"], str) else None
            if existing is None:
                raise ValidationFailedError(f"Invoice {element['InvoiceID']} could not be found.")
        elif element.get("Type", "ACCREC") == "ACCREC":
            # POST is an upsert: an existing number is updated (xero-notes trap 4).
            existing = find_by_number(req.org, element.get("InvoiceNumber"))
        if existing is None:
            return _apply(req, element, None)
        return echo_update(lambda: _apply(req, element, existing), invoice_wire(existing), element)

    return write_batch(req, "Invoices", elements_of(req, "Invoices"), upsert, ENUMS)


def _by_ref(req: Req) -> dict:
    """`{InvoiceID}` or an InvoiceNumber (`POST /Invoices/INV-000394`, xero-notes §6.2)."""
    ref = req.path_params["ref"]
    invoice = req.org["invoices"].get(ref) or find_by_number(req.org, ref)
    if invoice is None:
        raise not_found()
    return invoice


def post_invoice(req: Req) -> tuple[int, dict]:
    existing = _by_ref(req)
    element = {**elements_of(req, "Invoices")[0], "InvoiceID": existing["InvoiceID"]}
    return write_batch(req, "Invoices", [element],
                       lambda e: echo_update(lambda: _apply(req, e, existing), invoice_wire(existing), e), ENUMS)


def get_invoices(req: Req) -> tuple[int, dict]:
    invoices = list(req.org["invoices"].values())
    for param, key in (("IDs", lambda i: i["InvoiceID"].lower()),
                       ("ContactIDs", lambda i: i["Contact"]["ContactID"].lower()),
                       ("Statuses", lambda i: i["Status"].lower())):
        wanted = req.id_list(param)
        if wanted is not None:
            invoices = [i for i in invoices if key(i) in wanted]
    if req.param("InvoiceNumbers") is not None:
        numbers = {value.strip() for value in (req.param("InvoiceNumbers") or "").split(",")}
        invoices = [i for i in invoices if i.get("InvoiceNumber") in numbers]
    if req.flag("createdByMyApp"):
        invoices = [i for i in invoices if i.get("CreatedBy") == req.client_id]
    invoices = where.filtered(invoices, req.param("where"), "Invoice")
    if req.param("searchTerm"):
        term = (req.param("searchTerm") or "").casefold()
        invoices = [i for i in invoices if term in (i.get("InvoiceNumber") or "").casefold()
                    or term in (i.get("Reference") or "").casefold()]
    # Without `page` Xero leaves each invoice's LineItems out; paged reads and a single invoice carry
    # them (xero-notes §6.3; calcinai/xero-php#161: "Invoices need you to page the request in order for
    # them to come through with the line items attached").
    wire = invoice_wire if req.param("page") is not None else _without_lines
    return list_answer(req, "Invoices", invoices, schema="Invoice",
                       order=lambda i: (i["UpdatedDateUTC"], i["InvoiceID"]), wire=wire)


def _without_lines(invoice: dict) -> dict:
    return {key: value for key, value in invoice_wire(invoice).items() if key != "LineItems"}


def get_invoice(req: Req) -> tuple[int, dict]:
    return 200, envelope("Invoices", [invoice_wire(_by_ref(req))], req.now)
