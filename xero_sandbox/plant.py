"""Planting differences for tests, benchmarks and the guide's screenshots: what a person (or a
bug) in Xero could leave behind, set directly on the stored record, bypassing the API's rules,
because a reconciliation must find exactly what was planted, whatever produced it.

    POST /_sandbox/tenants/{id}/plant  {"collection": "invoices" | "contacts" | "journals" | "credit_notes",
                                        "action": "change" | "remove" | "copy",
                                        "ref": an id or number (InvoiceNumber, ContactNumber, a Narration's text),
                                        "fields": {…}}

- change: set the given fields (Total, SubTotal, TotalTax, AmountDue, Status, Name, EmailAddress,
  ContactStatus, JournalLines…) and bump UpdatedDateUTC, as any edit in Xero does;
- remove: the record is gone from Xero (what a reconciliation calls "missing in Xero");
- copy: a second record like it with a new id and the given fields (a duplicate BMS did not link).
Not part of Xero's API; the control API lists it.
"""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal, InvalidOperation

from xero_sandbox.accounting.elements import new_id

COLLECTIONS = {"invoices": ("InvoiceID", "InvoiceNumber"), "contacts": ("ContactID", "ContactNumber"),
               "journals": ("ManualJournalID", "Narration"), "credit_notes": ("CreditNoteID", "CreditNoteNumber")}
MONEY = {"Total", "SubTotal", "TotalTax", "AmountDue", "AmountPaid", "AmountCredited", "RemainingCredit"}


class PlantError(ValueError):
    pass


def _find(records: dict[str, dict], id_field: str, number_field: str, ref: str) -> dict:
    if ref in records:
        return records[ref]
    for record in records.values():
        value = record.get(number_field) or ""
        if value == ref or (number_field == "Narration" and ref in value):
            return record
    raise PlantError(f"no record matches {ref!r}")


def _value(key: str, value: object) -> object:
    try:
        if key in MONEY:
            return Decimal(str(value))
        if key == "JournalLines" and isinstance(value, list):
            return [{**line, "LineAmount": Decimal(str(line["LineAmount"]))} for line in value]
    except (InvalidOperation, KeyError, TypeError):
        raise PlantError(f"{key}: not a valid value") from None
    return value


def plant(org: dict, values: dict, now: datetime) -> dict:
    """Apply one planted difference to `org` (call under the store's lock); returns the record."""
    collection, action, ref = values.get("collection"), values.get("action"), values.get("ref")
    fields = values.get("fields") or {}
    if collection not in COLLECTIONS:
        raise PlantError(f"collection must be one of {', '.join(COLLECTIONS)}")
    if action not in ("change", "remove", "copy"):
        raise PlantError("action must be change, remove or copy")
    if not isinstance(ref, str) or not ref or not isinstance(fields, dict):
        raise PlantError("ref (text) is required and fields must be an object")
    id_field, number_field = COLLECTIONS[collection]
    records = org.setdefault(collection, {})
    record = _find(records, id_field, number_field, ref)
    if action == "remove":
        return records.pop(record[id_field])
    if action == "copy":
        record = copy.deepcopy(record)
        record[id_field] = new_id()
        records[record[id_field]] = record
    for key, value in fields.items():
        record[key] = _value(key, value)
    record["UpdatedDateUTC"] = now
    return record
