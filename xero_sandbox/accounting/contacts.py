"""Contacts (xero-notes §5): PUT creates only and refuses an existing Name or ContactNumber; POST
creates or updates (by ContactID, else an upsert by ContactNumber then Name); GET hides archived
contacts unless includeArchived=true. Archive and unarchive are POSTs of ContactStatus (xero-notes
§5); a contact under a GDPR request (GDPRREQUEST) can never be changed or used again. A contact
merged in Xero is archived with MergedToContactID, which only paged and single reads return.

Uniqueness counts archived contacts too: a "search, not found, create" client that forgot
includeArchived=true must meet the error Xero gives it (xero-notes trap 15). The seed data holds
two contacts sharing a name, as real organisations end up with; writes can never add a third."""

from __future__ import annotations

from xero_sandbox.accounting import where
from xero_sandbox.accounting.currencies import subscription_problems
from xero_sandbox.accounting.elements import new_id, with_status
from xero_sandbox.accounting.request import Req, echo_update, elements_of, envelope, list_answer, write_batch
from xero_sandbox.errors import ValidationFailedError, not_found
from xero_sandbox.money import CURRENCIES
from xero_sandbox.xerodates import ms_date

WRITABLE = ("Name", "ContactNumber", "AccountNumber", "EmailAddress", "FirstName", "LastName", "TaxNumber",
            "Addresses", "Phones", "PaymentTerms", "ContactStatus", "DefaultCurrency", "CompanyNumber")
STATUSES = {"ACTIVE", "ARCHIVED", "GDPRREQUEST"}
PAYMENT_TERM_TYPES = {"DAYSAFTERBILLDATE", "DAYSAFTERBILLMONTH", "OFCURRENTMONTH", "OFFOLLOWINGMONTH"}
ADDRESS_TYPES = {"POBOX", "STREET"}
PHONE_TYPES = {"DEFAULT", "DDI", "MOBILE", "FAX", "OFFICE"}
ENUMS = {"ContactStatus": STATUSES, "AddressType": ADDRESS_TYPES, "PhoneType": PHONE_TYPES,
         "Type": PAYMENT_TERM_TYPES, "DefaultCurrency": CURRENCIES}
TEXT_LIMITS = {"Name": 255, "ContactNumber": 50, "AccountNumber": 50, "EmailAddress": 255, "FirstName": 255,
               "LastName": 255, "TaxNumber": 50, "CompanyNumber": 50}


def contact_wire(contact: dict, *, merged: bool = False) -> dict:
    """`merged`: a paged or single read, the only ones that carry MergedToContactID (SPEC, Contact
    schema: "Only returned when using paging or when fetching a contact by ContactId or ContactNumber")."""
    hidden = ("UpdatedDateUTC",) if merged else ("UpdatedDateUTC", "MergedToContactID")
    body = {key: value for key, value in contact.items() if value not in (None, [], "") and key not in hidden}
    body["UpdatedDateUTC"] = ms_date(contact["UpdatedDateUTC"])
    body.setdefault("ContactStatus", "ACTIVE")
    body["IsSupplier"] = contact.get("IsSupplier", False)
    body["IsCustomer"] = contact.get("IsCustomer", False)
    body["HasAttachments"] = False
    body["HasValidationErrors"] = False
    return body


def _folded(value: object) -> str:
    return value.strip().casefold() if isinstance(value, str) else ""


def _find(org: dict, key: str, value: object, *, exclude: str | None = None, archived: bool = False) -> dict | None:
    wanted = _folded(value)
    if not wanted:
        return None
    return next((c for c in org["contacts"].values() if c["ContactID"] != exclude and _folded(c.get(key)) == wanted
                 and (archived or c.get("ContactStatus") != "ARCHIVED")), None)


def _payment_terms_problems(terms: object) -> list[str]:
    if terms is None:
        return []
    if not isinstance(terms, dict):
        return ["PaymentTerms must be an object with Sales and/or Bills."]
    problems = []
    for kind, label in (("Sales", "Sales Invoices"), ("Bills", "Bills")):
        term = terms.get(kind)
        if term is None:
            continue
        if not isinstance(term, dict):
            problems.append(f"PaymentTerms.{kind} must be an object.")
            continue
        term_type, day = term.get("Type"), term.get("Day")
        if term_type not in PAYMENT_TERM_TYPES:
            problems.append(f"Payment terms type '{term_type}' is not valid.")
        elif term_type in ("OFCURRENTMONTH", "OFFOLLOWINGMONTH") and not (
                isinstance(day, int) and not isinstance(day, bool) and 1 <= day <= 31):
            problems.append(f"Due Date for {label} must be between 1 and 31 when using 'of the following month' "
                            "or 'of the current month'")
        elif day is not None and not (isinstance(day, int) and not isinstance(day, bool) and 0 <= day <= 31):
            problems.append(f"The payment terms day for {label} must be a whole number from 0 to 31.")
    return problems


def _validate(element: dict) -> list[str]:
    problems = []
    for key, limit in TEXT_LIMITS.items():
        value = element.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            problems.append(f"The contact {key} must be text of {limit} characters or fewer.")
    name = element.get("Name")
    if name is not None and isinstance(name, str) and not name.strip():
        problems.append("The contact name must be between 1 and 255 characters long.")
    email = element.get("EmailAddress")
    if isinstance(email, str) and email and ("@" not in email or " " in email.strip()):
        problems.append("Email address must be valid.")
    status = element.get("ContactStatus")
    if status is not None and status not in STATUSES:
        problems.append(f"ContactStatus '{status}' is not valid.")
    problems += _payment_terms_problems(element.get("PaymentTerms"))
    addresses, phones = element.get("Addresses"), element.get("Phones")
    if addresses is not None and not isinstance(addresses, list):
        problems.append("Addresses must be a list.")
    for address in addresses if isinstance(addresses, list) else []:
        if not isinstance(address, dict) or address.get("AddressType") not in ADDRESS_TYPES:
            problems.append("AddressType must be POBOX or STREET.")
    if phones is not None and not isinstance(phones, list):
        problems.append("Phones must be a list.")
    for phone in phones if isinstance(phones, list) else []:
        if not isinstance(phone, dict) or phone.get("PhoneType") not in PHONE_TYPES:
            problems.append("PhoneType must be DEFAULT, DDI, MOBILE, FAX or OFFICE.")
    return problems


def _uniqueness(org: dict, values: dict, existing: dict | None) -> list[str]:
    """Only a new or changed Name / ContactNumber is checked: an update that keeps a contact's own
    name must not fail because a twin already exists (the seed's shared name)."""
    problems = []
    contact_id = existing["ContactID"] if existing else None
    for key, label in (("Name", "name"), ("ContactNumber", "number")):
        value = values.get(key)
        if existing is not None and _folded(value) == _folded(existing.get(key)):
            continue
        if _find(org, key, value, exclude=contact_id, archived=True):
            problems.append(f"The contact {label} {value} is already assigned to another contact. The contact "
                            f"{label} must be unique across all active contacts.")
    return problems


def _store(req: Req, values: dict, existing: dict | None) -> dict:
    contact = existing or {"ContactID": new_id(), "ContactStatus": "ACTIVE", "Addresses": [], "Phones": []}
    for key in WRITABLE:
        if key in values:
            contact[key] = values[key]
    contact["UpdatedDateUTC"] = req.now
    req.org["contacts"][contact["ContactID"]] = contact
    return contact


def _currency_problems(org: dict, element: dict) -> list[str]:
    return subscription_problems(org, element.get("DefaultCurrency"))


def _create(req: Req, element: dict) -> dict:
    if element.get("ContactID") and element["ContactID"] in req.org["contacts"]:
        raise ValidationFailedError("A contact with this ContactID already exists; use POST to update it.")
    problems = _validate(element) + _currency_problems(req.org, element)
    if not isinstance(element.get("Name"), str) or not element["Name"].strip():
        problems.append("The contact name must be between 1 and 255 characters long.")
    problems += _uniqueness(req.org, element, None)
    if problems:
        raise ValidationFailedError(*dict.fromkeys(problems))
    return with_status(contact_wire(_store(req, element, None)))


def _create_or_update(req: Req, element: dict) -> dict:
    existing = None
    if element.get("ContactID"):
        existing = req.org["contacts"].get(element["ContactID"]) if isinstance(element["ContactID"], str) else None
        if existing is None:
            raise ValidationFailedError(f"Contact with ContactID {element['ContactID']} could not be found.")
    else:
        # POST is an upsert (xero-notes trap 4): a matching number, then name, is updated.
        existing = _find(req.org, "ContactNumber", element.get("ContactNumber")) or _find(
            req.org, "Name", element.get("Name"))
    if existing is None:
        return _create(req, {k: v for k, v in element.items() if k != "ContactID"})
    if existing.get("ContactStatus") == "GDPRREQUEST":
        # Xero removes the personal data of a contact under a GDPR request; it cannot be used again
        # (xero-notes §5: "Archived/GDPR contacts can't be used on new transactions"; issue 16).
        raise ValidationFailedError(f"The contact {existing['Name']} has a GDPR request and can no longer be "
                                    "edited or used.")

    def update() -> dict:
        problems = _validate(element) + _currency_problems(req.org, element) + _uniqueness(req.org, element, existing)
        if problems:
            raise ValidationFailedError(*dict.fromkeys(problems))
        return with_status(contact_wire(_store(req, element, existing)))

    return echo_update(update, contact_wire(existing), element)


def put_contacts(req: Req) -> tuple[int, dict]:
    return write_batch(req, "Contacts", elements_of(req, "Contacts"), lambda e: _create(req, e), ENUMS)


def post_contacts(req: Req) -> tuple[int, dict]:
    return write_batch(req, "Contacts", elements_of(req, "Contacts"), lambda e: _create_or_update(req, e), ENUMS)


def post_contact(req: Req) -> tuple[int, dict]:
    if req.path_params["ref"] not in req.org["contacts"]:
        raise not_found()
    element = {**elements_of(req, "Contacts")[0], "ContactID": req.path_params["ref"]}
    return write_batch(req, "Contacts", [element], lambda e: _create_or_update(req, e), ENUMS)


def _searched(contacts: list[dict], term: str) -> list[dict]:
    folded = term.casefold()
    return [c for c in contacts if any(folded in _folded(c.get(key)) for key in (
        "Name", "FirstName", "LastName", "ContactNumber", "CompanyNumber", "EmailAddress"))]


def get_contacts(req: Req) -> tuple[int, dict]:
    contacts = list(req.org["contacts"].values())
    if not req.flag("includeArchived"):
        contacts = [c for c in contacts if c.get("ContactStatus") != "ARCHIVED"]
    wanted = req.id_list("IDs")
    if wanted is not None:
        contacts = [c for c in contacts if c["ContactID"].lower() in wanted]
    contacts = where.filtered(contacts, req.param("where"), "Contact")
    if req.param("searchTerm"):
        contacts = _searched(contacts, req.param("searchTerm") or "")
    paged = req.param("page") is not None
    return list_answer(req, "Contacts", contacts, schema="Contact",
                       order=lambda c: (_folded(c["Name"]), c["ContactID"]),
                       wire=lambda c: contact_wire(c, merged=paged))


def get_contact(req: Req) -> tuple[int, dict]:
    """GET /Contacts/{ContactID} or /Contacts/{ContactNumber}."""
    ref = req.path_params["ref"]
    contact = req.org["contacts"].get(ref) or next(
        (c for c in req.org["contacts"].values() if (c.get("ContactNumber") or "") == ref), None)
    if contact is None:
        raise not_found()
    return 200, envelope("Contacts", [contact_wire(contact, merged=True)], req.now)
