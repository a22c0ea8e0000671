"""Invoices (xero-notes §6): Xero's validation, totals computed per line, the status rules and
LineItemID round-tripping (lines sent with their id are updated, without one created, omitted ones
deleted)."""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal

from xero_sandbox import where
from xero_sandbox.common import (
    ApiError,
    ValidationFailedError,
    decimal_or_none,
    money,
    new_id,
    normalised,
    with_status,
)
from xero_sandbox.request import Req, elements_of, envelope, paginate, write_batch
from xero_sandbox.xerodates import BadDateError, ms_date, parse_date

ZERO = Decimal("0.00")
UPDATES = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"SUBMITTED", "AUTHORISED", "DRAFT", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
    "PAID": {"PAID"},
    "VOIDED": set(),
    "DELETED": set(),
}
CREATE_STATUSES = {"DRAFT", "SUBMITTED", "AUTHORISED"}
EDITABLE_WHEN_PAID = {"Reference", "DueDate", "InvoiceNumber", "Url", "BrandingThemeID", "Contact"}


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
    body["IsDiscounted"] = False
    return body


def _lock_date(org: dict):
    dates = [d for d in (org.get("period_lock_date"), org.get("end_of_year_lock_date")) if d]
    return max(dates) if dates else None


def _date(value, label: str):
    try:
        return parse_date(value)
    except BadDateError as exc:
        raise ValidationFailedError(f"{label}: {exc}") from None


def _account(org: dict, code: str | None) -> dict | None:
    return next((a for a in org["accounts"].values() if a["Code"] == code), None)


def _line(req: Req, raw: dict, status: str, line_types: str, old: dict | None) -> tuple[dict, list[str]]:
    problems = []
    line = copy.deepcopy(old) if old else {"LineItemID": new_id()}
    for key in ("Description", "ItemCode", "AccountCode", "TaxType", "Tracking"):
        if key in raw:
            line[key] = raw[key]
    try:
        for key in ("Quantity", "UnitAmount", "DiscountRate"):
            if key in raw:
                line[key] = decimal_or_none(raw[key])
    except ValidationFailedError as exc:
        problems += exc.messages
        return line, problems
    description = line.get("Description")
    if not description or not str(description).strip():
        problems.append("Description must be specified.")
    elif len(str(description)) > 4000:
        problems.append("Description must be 4000 characters or fewer.")
    quantity = line.get("Quantity") if line.get("Quantity") is not None else Decimal("1")
    unit = line.get("UnitAmount") if line.get("UnitAmount") is not None else ZERO
    if not req.unitdp4:
        unit = unit.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # 2 dp unless unitdp=4
    line["Quantity"], line["UnitAmount"] = quantity, unit
    account = _account(req.org, line.get("AccountCode"))
    if line.get("AccountCode") and account is None:
        problems.append(f"Account code '{line['AccountCode']}' is not a valid code for this document.")
    elif account is not None and account["Status"] != "ACTIVE":
        problems.append(f"Account code '{line['AccountCode']}' has been archived, or has been deleted. Each line "
                        "item must reference a valid account.")
    elif account is None and status in ("AUTHORISED", "SUBMITTED"):
        problems.append("Each line item must reference a valid account code when the invoice is approved.")
    tax_type = line.get("TaxType") or (account or {}).get("TaxType")
    rate = req.org["tax_rates"].get(tax_type) if tax_type else None
    if line.get("TaxType") and (rate is None or rate["Status"] != "ACTIVE"):
        problems.append(f"The TaxType code '{line['TaxType']}' does not exist or cannot be used for this type of "
                        "transaction.")
    if len(line.get("Tracking") or []) > 2:
        problems.append("A line item can have at most two tracking categories.")
    line_amount = money(quantity * unit)
    if abs(line_amount) > Decimal("9999999999.99"):
        problems.append("LineAmount must be less than 10,000,000,000.")
    percent = (rate or {}).get("EffectiveRate", ZERO) if line_types != "NoTax" else ZERO
    if line_types == "Inclusive":
        tax = money(line_amount * percent / (Decimal(100) + percent))
    else:
        tax = money(line_amount * percent / Decimal(100))
    line.update(LineAmount=line_amount, TaxAmount=tax, TaxType=tax_type or "NONE")
    return line, problems


def _totals(invoice: dict) -> None:
    amounts = sum((line["LineAmount"] for line in invoice["LineItems"]), ZERO)
    tax = sum((line["TaxAmount"] for line in invoice["LineItems"]), ZERO)
    if invoice["LineAmountTypes"] == "Inclusive":
        invoice.update(SubTotal=amounts - tax, TotalTax=tax, Total=amounts)
    else:
        invoice.update(SubTotal=amounts, TotalTax=tax, Total=amounts + tax)
    invoice["AmountDue"] = invoice["Total"] - invoice["AmountPaid"] - invoice["AmountCredited"]


def _paid_changes(existing: dict, element: dict) -> bool:
    """Does the update touch anything Xero locks once money is allocated? (Only Reference, DueDate,
    number, Url, branding, contact, and each line's description, account and tracking may change.)"""
    for key, value in element.items():
        if key in EDITABLE_WHEN_PAID or key in ("InvoiceID", "Type", "Status", "LineItems", "HasAttachments"):
            continue
        current = existing.get(key)
        if key == "Date":
            try:
                value = parse_date(value)
            except BadDateError:
                return True
        if isinstance(current, Decimal) and value is not None:
            try:
                value = Decimal(str(value))
            except ArithmeticError:
                return True
        if value != current:
            return True
    if "LineItems" in element:
        old_lines = {line["LineItemID"]: line for line in existing["LineItems"]}
        sent = [raw for raw in element["LineItems"] or [] if isinstance(raw, dict)]
        if {raw.get("LineItemID") for raw in sent} != set(old_lines):
            return True  # a line added or removed
        for raw in sent:
            old = old_lines[raw["LineItemID"]]
            for key in ("Quantity", "UnitAmount"):
                if key in raw and Decimal(str(raw[key])) != old[key]:
                    return True
            if "TaxType" in raw and raw["TaxType"] != old.get("TaxType"):
                return True
    return False


def _find_by_number(org: dict, number: str | None, exclude: str | None = None) -> dict | None:
    if not number:
        return None
    return next((i for i in org["invoices"].values() if i["Type"] == "ACCREC" and i["InvoiceNumber"] == number
                 and i["InvoiceID"] != exclude and i["Status"] not in ("DELETED",)), None)


def _next_number(org: dict) -> str:
    return f"INV-{sum(1 for i in org['invoices'].values() if i['Type'] == 'ACCREC') + 1:04d}"


def _apply(req: Req, element: dict, existing: dict | None) -> dict:
    org = req.org
    problems: list[str] = []
    invoice = copy.deepcopy(existing) if existing else {
        "InvoiceID": new_id(), "Type": element.get("Type"), "Status": "DRAFT", "LineAmountTypes": "Exclusive",
        "CurrencyCode": org["base_currency"], "CurrencyRate": Decimal("1"), "AmountPaid": ZERO,
        "AmountCredited": ZERO, "Payments": [], "LineItems": [], "CreatedBy": req.client_id,
    }
    old_status = existing["Status"] if existing else None
    status = element.get("Status", invoice["Status"])
    lock = _lock_date(org)
    if existing is not None:
        if status not in UPDATES.get(old_status, set()):
            raise ValidationFailedError(f"This document cannot be edited as it has a status of {old_status}."
                                        if not UPDATES.get(old_status) else
                                        f"Invoice status cannot be changed from {old_status} to {status}.")
        if lock and existing["Date"] <= lock:
            raise ValidationFailedError(f"The document date cannot be on or before the period lock date "
                                        f"({lock:%d/%m/%Y}); it cannot be edited.")
        paid = existing["AmountPaid"] > 0 or existing["AmountCredited"] > 0
        if paid and (_paid_changes(existing, element) or status == "VOIDED"):
            raise ValidationFailedError("This document cannot be edited as it has a payment or credit note "
                                        "allocated to it." if status != "VOIDED" else
                                        "Payments must be removed before this invoice can be voided.")
    elif status not in CREATE_STATUSES:
        raise ValidationFailedError(f"An invoice can't be created with status {status}.")
    if invoice["Type"] not in ("ACCREC", "ACCPAY"):
        raise ValidationFailedError("Invoice Type must be ACCREC or ACCPAY.")
    for key in ("Reference", "Url", "BrandingThemeID", "CurrencyCode", "LineAmountTypes", "SentToContact"):
        if key in element:
            invoice[key] = element[key]
    if invoice["LineAmountTypes"] not in ("Exclusive", "Inclusive", "NoTax"):
        problems.append(f"LineAmountTypes '{invoice['LineAmountTypes']}' is not valid.")
    if invoice.get("CurrencyCode") != org["base_currency"]:
        problems.append(f"Organisation is not subscribed to currency {invoice.get('CurrencyCode')}.")
    if "Date" in element or existing is None:
        invoice["Date"] = _date(element.get("Date"), "Date") or req.now.date()
    if "DueDate" in element:
        invoice["DueDate"] = _date(element.get("DueDate"), "DueDate")
    contact_ref = element.get("Contact") if "Contact" in element else (None if existing is None else {
        "ContactID": invoice["Contact"]["ContactID"]})
    contact = None
    if isinstance(contact_ref, dict) and contact_ref.get("ContactID"):
        contact = org["contacts"].get(contact_ref["ContactID"])
        if contact is None:
            problems.append(f"The contact with ContactID {contact_ref['ContactID']} could not be found.")
    elif isinstance(contact_ref, dict) and contact_ref.get("Name"):
        contact = next((c for c in org["contacts"].values() if c["Name"] == contact_ref["Name"]
                        and c.get("ContactStatus") != "ARCHIVED"), None)
        if contact is None:
            problems.append(f"The contact named {contact_ref['Name']} could not be found.")
    else:
        problems.append("A Contact must be specified with a ContactID or Name.")
    if contact is not None:
        if contact.get("ContactStatus") == "ARCHIVED" and "Contact" in element:
            problems.append(f"The contact {contact['Name']} has been archived and can't be used on a new transaction.")
        invoice["Contact"] = {"ContactID": contact["ContactID"], "Name": contact["Name"]}
    if "InvoiceNumber" in element:
        invoice["InvoiceNumber"] = element["InvoiceNumber"]
    if not invoice.get("InvoiceNumber") and invoice["Type"] == "ACCREC":
        invoice["InvoiceNumber"] = _next_number(org)
    number = invoice.get("InvoiceNumber") or ""
    if len(number) > 255 or not number.isprintable():
        problems.append("InvoiceNumber must be printable and 255 characters or fewer.")
    if invoice["Type"] == "ACCREC" and _find_by_number(org, number, exclude=invoice["InvoiceID"]):
        problems.append("Invoice # must be unique.")
    if "LineItems" in element:
        raw_lines = element["LineItems"] or []
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
            line, line_problems = _line(req, raw, status, invoice["LineAmountTypes"], old)
            problems += line_problems
            lines.append(line)
        invoice["LineItems"] = lines  # lines left out are deleted, as Xero does
    elif existing is not None and ("LineAmountTypes" in element or status != old_status):
        recomputed = []
        for line in invoice["LineItems"]:
            line, line_problems = _line(req, {}, status, invoice["LineAmountTypes"], line)
            problems += line_problems
            recomputed.append(line)
        invoice["LineItems"] = recomputed
    if status in ("AUTHORISED", "SUBMITTED") and not invoice["LineItems"]:
        problems.append("An approved invoice must have at least one line item.")
    if status == "AUTHORISED" and not invoice.get("DueDate"):
        problems.append("Due Date is mandatory for an approved invoice.")
    if invoice.get("DueDate") and invoice.get("Date") and invoice["DueDate"] < invoice["Date"]:
        problems.append("Due Date cannot be earlier than the invoice Date.")
    if lock and invoice.get("Date") and invoice["Date"] <= lock and status not in ("DRAFT", "DELETED"):
        problems.append(f"The document date cannot be on or before the period lock date ({lock:%d/%m/%Y}).")
    if problems:
        raise ValidationFailedError(*dict.fromkeys(problems))
    invoice["Status"] = status
    _totals(invoice)
    if invoice["Status"] == "AUTHORISED" and invoice["AmountDue"] == ZERO and invoice["AmountPaid"] > 0:
        invoice["Status"] = "PAID"
    invoice["UpdatedDateUTC"] = req.now
    org["invoices"][invoice["InvoiceID"]] = invoice
    if contact is not None and invoice["Type"] == "ACCREC" and invoice["Status"] == "AUTHORISED":
        contact["IsCustomer"] = True
    return with_status(invoice_wire(invoice))


def _existing(req: Req, element: dict) -> dict | None:
    if element.get("InvoiceID"):
        found = req.org["invoices"].get(element["InvoiceID"])
        if found is None:
            raise ValidationFailedError(f"Invoice {element['InvoiceID']} could not be found.")
        return found
    return None


def put_invoices(req: Req):
    def create(element: dict) -> dict:
        if element.get("InvoiceID") and element["InvoiceID"] in req.org["invoices"]:
            raise ValidationFailedError("Invoice # must be unique.")
        return _apply(req, {k: v for k, v in element.items() if k != "InvoiceID"}, None)

    return write_batch(req, "Invoices", elements_of(req, "Invoices"), create)


def post_invoices(req: Req):
    def upsert(element: dict) -> dict:
        existing = _existing(req, element)
        if existing is None and element.get("Type", "ACCREC") == "ACCREC":
            # POST is an upsert: an existing number is updated (xero-notes trap 4).
            existing = _find_by_number(req.org, element.get("InvoiceNumber"))
        return _apply(req, element, existing)

    return write_batch(req, "Invoices", elements_of(req, "Invoices"), upsert)


def post_invoice(req: Req):
    ref = req.path_params["ref"]
    existing = req.org["invoices"].get(ref) or _find_by_number(req.org, ref)
    if existing is None:
        raise ApiError(404, {"Title": "Not Found", "Status": 404, "Detail": "The resource could not be found."})
    element = elements_of(req, "Invoices")[0]
    return write_batch(req, "Invoices", [element], lambda e: _apply(req, e, existing))


def get_invoices(req: Req):
    invoices = list(req.org["invoices"].values())
    if req.param("IDs"):
        wanted = {value.strip().lower() for value in req.param("IDs").split(",")}
        invoices = [i for i in invoices if i["InvoiceID"].lower() in wanted]
    if req.param("InvoiceNumbers"):
        wanted = {value.strip() for value in req.param("InvoiceNumbers").split(",")}
        invoices = [i for i in invoices if i.get("InvoiceNumber") in wanted]
    if req.param("Statuses"):
        wanted = {value.strip().upper() for value in req.param("Statuses").split(",")}
        invoices = [i for i in invoices if i["Status"] in wanted]
    if req.param("ContactIDs"):
        wanted = {value.strip().lower() for value in req.param("ContactIDs").split(",")}
        invoices = [i for i in invoices if i["Contact"]["ContactID"].lower() in wanted]
    if req.param("where"):
        groups = where.parse(req.param("where"))
        invoices = [i for i in invoices if where.matches(i, groups)]
    if req.modified_since:
        invoices = [i for i in invoices if i["UpdatedDateUTC"] > req.modified_since]
    invoices.sort(key=lambda i: (i["UpdatedDateUTC"], i["InvoiceID"]))
    page, pagination = paginate(req, invoices)
    return 200, envelope("Invoices", [invoice_wire(i) for i in page], req.now, pagination)


def get_invoice(req: Req):
    ref = req.path_params["ref"]
    invoice = req.org["invoices"].get(ref) or _find_by_number(req.org, ref)
    if invoice is None:
        raise ApiError(404, {"Title": "Not Found", "Status": 404, "Detail": "The resource could not be found."})
    return 200, envelope("Invoices", [invoice_wire(invoice)], req.now)
