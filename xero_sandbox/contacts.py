"""Contacts (xero-notes §5): PUT creates only and refuses an existing Name or ContactNumber; POST
creates or updates; GET hides archived contacts unless includeArchived=true."""

from __future__ import annotations

from xero_sandbox import where
from xero_sandbox.common import ApiError, ValidationFailedError, new_id, with_status
from xero_sandbox.request import Req, elements_of, envelope, paginate, write_batch
from xero_sandbox.xerodates import ms_date

WRITABLE = ("Name", "ContactNumber", "AccountNumber", "EmailAddress", "FirstName", "LastName", "TaxNumber",
            "Addresses", "Phones", "PaymentTerms", "ContactStatus", "DefaultCurrency", "CompanyNumber")
PAYMENT_TERM_TYPES = {"DAYSAFTERBILLDATE", "DAYSAFTERBILLMONTH", "OFCURRENTMONTH", "OFFOLLOWINGMONTH"}


def contact_wire(contact: dict) -> dict:
    body = {key: value for key, value in contact.items() if value not in (None, [], "") and key != "UpdatedDateUTC"}
    body["UpdatedDateUTC"] = ms_date(contact["UpdatedDateUTC"])
    body.setdefault("ContactStatus", "ACTIVE")
    body["IsSupplier"] = False
    body["IsCustomer"] = contact.get("IsCustomer", False)
    body["HasAttachments"] = False
    body["HasValidationErrors"] = False
    return body


def _find(org: dict, key: str, value: str | None, *, exclude: str | None = None) -> dict | None:
    if not value:
        return None
    folded = value.strip().casefold()
    return next((c for c in org["contacts"].values() if c["ContactID"] != exclude and c.get(key)
                 and c[key].strip().casefold() == folded and c.get("ContactStatus") != "ARCHIVED"), None)


def _validate(element: dict) -> list[str]:
    problems = []
    name = element.get("Name")
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 255):
        problems.append("The contact name must be between 1 and 255 characters long.")
    number = element.get("ContactNumber")
    if number is not None and (not isinstance(number, str) or len(number) > 50):
        problems.append("The contact number must be 50 characters or fewer.")
    email = element.get("EmailAddress")
    if email and (not isinstance(email, str) or "@" not in email or len(email) > 255):
        problems.append("Email address must be valid.")
    terms = (element.get("PaymentTerms") or {}).get("Sales") if isinstance(element.get("PaymentTerms"), dict) else None
    if terms:
        term_type, day = terms.get("Type"), terms.get("Day")
        if term_type not in PAYMENT_TERM_TYPES:
            problems.append(f"Payment terms type '{term_type}' is not valid.")
        elif term_type in ("OFCURRENTMONTH", "OFFOLLOWINGMONTH") and not (isinstance(day, int) and 1 <= day <= 31):
            problems.append("Due Date for Sales Invoices must be between 1 and 31 when using 'of the following "
                            "month' or 'of the current month'")
    for address in element.get("Addresses") or []:
        if not isinstance(address, dict) or address.get("AddressType") not in ("POBOX", "STREET", "DELIVERY"):
            problems.append("AddressType must be POBOX or STREET.")
    for phone in element.get("Phones") or []:
        if not isinstance(phone, dict) or phone.get("PhoneType") not in ("DEFAULT", "DDI", "MOBILE", "FAX", "OFFICE"):
            problems.append("PhoneType must be DEFAULT, DDI, MOBILE, FAX or OFFICE.")
    return problems


def _uniqueness(org: dict, values: dict, contact_id: str | None) -> list[str]:
    problems = []
    if values.get("Name") and _find(org, "Name", values["Name"], exclude=contact_id):
        problems.append(f"The contact name {values['Name']} is already assigned to another contact. The contact "
                        "name must be unique across all active contacts.")
    if values.get("ContactNumber") and _find(org, "ContactNumber", values["ContactNumber"], exclude=contact_id):
        problems.append(f"The contact number {values['ContactNumber']} is already assigned to another contact. "
                        "The contact number must be unique across all active contacts.")
    return problems


def _store(req: Req, values: dict, existing: dict | None) -> dict:
    contact = existing or {"ContactID": new_id(), "ContactStatus": "ACTIVE", "Addresses": [], "Phones": []}
    for key in WRITABLE:
        if key in values:
            contact[key] = values[key]
    contact["UpdatedDateUTC"] = req.now
    req.org["contacts"][contact["ContactID"]] = contact
    return contact


def _create(req: Req, element: dict) -> dict:
    problems = _validate(element)
    if not element.get("Name"):
        problems.append("The contact name must be between 1 and 255 characters long.")
    problems += _uniqueness(req.org, element, None)
    if problems:
        raise ValidationFailedError(*dict.fromkeys(problems))
    return with_status(contact_wire(_store(req, element, None)))


def _create_or_update(req: Req, element: dict) -> dict:
    existing = None
    if element.get("ContactID"):
        existing = req.org["contacts"].get(element["ContactID"])
        if existing is None:
            raise ValidationFailedError(f"Contact with ContactID {element['ContactID']} could not be found.")
    else:
        # POST is an upsert (xero-notes trap 4): a matching number, then name, is updated.
        existing = _find(req.org, "ContactNumber", element.get("ContactNumber")) or _find(
            req.org, "Name", element.get("Name"))
    if existing is None:
        return _create(req, element)
    problems = _validate(element) + _uniqueness(req.org, element, existing["ContactID"])
    if problems:
        raise ValidationFailedError(*dict.fromkeys(problems))
    return with_status(contact_wire(_store(req, element, existing)))


def put_contacts(req: Req):
    return write_batch(req, "Contacts", elements_of(req, "Contacts"), lambda e: _create(req, e))


def post_contacts(req: Req):
    return write_batch(req, "Contacts", elements_of(req, "Contacts"), lambda e: _create_or_update(req, e))


def post_contact(req: Req):
    element = elements_of(req, "Contacts")[0]
    element = {**element, "ContactID": req.path_params["ref"]}
    return write_batch(req, "Contacts", [element], lambda e: _create_or_update(req, e))


def get_contacts(req: Req):
    contacts = list(req.org["contacts"].values())
    if (req.param("includeArchived") or "").lower() != "true":
        contacts = [c for c in contacts if c.get("ContactStatus") != "ARCHIVED"]
    if req.param("IDs"):
        wanted = {value.strip().lower() for value in req.param("IDs").split(",")}
        contacts = [c for c in contacts if c["ContactID"].lower() in wanted]
    if req.param("where"):
        groups = where.parse(req.param("where"))
        contacts = [c for c in contacts if where.matches(c, groups)]
    if req.param("searchTerm"):
        term = req.param("searchTerm").casefold()
        contacts = [c for c in contacts if any(term in (c.get(key) or "").casefold() for key in (
            "Name", "FirstName", "LastName", "ContactNumber", "CompanyNumber", "EmailAddress"))]
    if req.modified_since:
        contacts = [c for c in contacts if c["UpdatedDateUTC"] > req.modified_since]
    contacts.sort(key=lambda c: (c["Name"].casefold(), c["ContactID"]))
    page, pagination = paginate(req, contacts)
    return 200, envelope("Contacts", [contact_wire(c) for c in page], req.now, pagination)


def get_contact(req: Req):
    ref = req.path_params["ref"]
    contact = req.org["contacts"].get(ref) or next(
        (c for c in req.org["contacts"].values() if (c.get("ContactNumber") or "") == ref), None)
    if contact is None:
        raise ApiError(404, {"Title": "Not Found", "Status": 404, "Detail": "The resource could not be found."})
    return 200, envelope("Contacts", [contact_wire(contact)], req.now)
