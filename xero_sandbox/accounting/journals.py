"""Manual journals (xero-notes §8): a narration, at least two lines (debits positive, credits
negative) that balance, no bank, system, inventory or archived accounts, nothing dated on or
before the lock date, and DRAFT unless a status is sent (xero-notes trap 11)."""

from __future__ import annotations

from decimal import Decimal

from xero_sandbox.accounting import where
from xero_sandbox.accounting.elements import new_id, normalised, with_status
from xero_sandbox.accounting.organisation import account_by_code, lock_date
from xero_sandbox.accounting.request import Req, echo_update, elements_of, envelope, list_answer, write_batch
from xero_sandbox.accounting.tracking import tracking_problems
from xero_sandbox.errors import ValidationFailedError, not_found
from xero_sandbox.money import LARGEST_LINE, ZERO, decimal_or_none, money
from xero_sandbox.xerodates import BadDateError, ms_date, parse_date

STATUSES = {"DRAFT", "POSTED", "DELETED", "VOIDED", "ARCHIVED"}
UPDATES = {"DRAFT": {"DRAFT", "POSTED", "DELETED"}, "POSTED": {"POSTED", "VOIDED"}}
LINE_AMOUNT_TYPES = {"NoTax", "Exclusive", "Inclusive"}
ENUMS = {"Status": STATUSES, "LineAmountTypes": LINE_AMOUNT_TYPES}


def journal_wire(journal: dict) -> dict:
    body = {key: normalised(value) for key, value in journal.items()
            if value is not None and key not in ("Date", "UpdatedDateUTC")}
    body["Date"] = ms_date(journal["Date"])
    body["UpdatedDateUTC"] = ms_date(journal["UpdatedDateUTC"])
    body["HasAttachments"] = False
    return body


def _account_problem(account: dict | None, code: object) -> str | None:
    if account is None:
        return f"Account code '{code}' is not a valid code for a manual journal."
    if account["Status"] != "ACTIVE":
        return f"Account code '{code}' has been archived, or has been deleted."
    if account["Type"] == "BANK":
        return f"Account code '{code}' is a bank account and can't be used in a manual journal; use a clearing account."
    if account.get("SystemAccount"):
        return f"Account code '{code}' is a system account and can't be used in a manual journal."
    if account["Type"] == "INVENTORY":
        return f"Account code '{code}' is a tracked inventory account and can't be used in a manual journal."
    return None


def _line(req: Req, raw: object, line_types: str, problems: list[str]) -> dict | None:
    if not isinstance(raw, dict):
        problems.append("JournalLines must be objects.")
        return None
    try:
        amount = decimal_or_none(raw.get("LineAmount"), "LineAmount")
    except ValidationFailedError as exc:
        problems += exc.messages
        return None
    code = raw.get("AccountCode")
    account = account_by_code(req.org, code)
    if (problem := _account_problem(account, code)) is not None:
        problems.append(problem)
    if amount is None:
        problems.append("Each journal line needs a LineAmount.")
        return None
    amount = money(amount)
    if abs(amount) > LARGEST_LINE:
        problems.append("LineAmount must be less than 10,000,000,000.")
    tracking = raw.get("Tracking")
    problems += tracking_problems(req.org, tracking, "A journal line")
    tax_type = raw.get("TaxType") or ((account or {}).get("TaxType") if line_types != "NoTax" else None) or "NONE"
    rate = req.org["tax_rates"].get(tax_type) if isinstance(tax_type, str) else None
    if raw.get("TaxType") and (rate is None or rate["Status"] != "ACTIVE") and raw.get("TaxType") != "NONE":
        problems.append(f"The TaxType code '{raw['TaxType']}' does not exist or cannot be used for this type of "
                        "transaction.")
    percent = (rate or {}).get("EffectiveRate", ZERO) if line_types != "NoTax" else ZERO
    if line_types == "Inclusive":
        tax = money(amount * percent / (Decimal(100) + percent))
    else:
        tax = money(amount * percent / Decimal(100))
    description = raw.get("Description")
    return {"LineAmount": amount, "AccountCode": code, "Description": description if isinstance(description, str)
            else None, "TaxType": tax_type if isinstance(tax_type, str) else "NONE", "TaxAmount": tax,
            "IsBlank": False, "Tracking": tracking or None, "AccountID": account["AccountID"] if account else None}


def _balance(lines: list[dict], line_types: str) -> tuple[Decimal, Decimal]:
    """Debits and credits as they reach the ledger: with Exclusive amounts, tax is added."""
    def posted(line: dict) -> Decimal:
        return line["LineAmount"] + (line["TaxAmount"] if line_types == "Exclusive" else ZERO)

    debits = sum((posted(line) for line in lines if line["LineAmount"] > 0), ZERO)
    credits = sum((posted(line) for line in lines if line["LineAmount"] < 0), ZERO)
    return debits, credits


def _apply(req: Req, element: dict, existing: dict | None) -> dict:
    org = req.org
    problems: list[str] = []
    journal = dict(existing) if existing else {"ManualJournalID": new_id(), "Status": "DRAFT",
                                               "LineAmountTypes": "NoTax", "ShowOnCashBasisReports": True}
    status = element.get("Status") or journal["Status"]
    lock = lock_date(org)
    if existing is not None:
        allowed = UPDATES.get(existing["Status"], set())
        if not allowed:
            raise ValidationFailedError(f"This journal cannot be edited as it has a status of {existing['Status']}.")
        if status not in allowed:
            raise ValidationFailedError(f"A manual journal's status cannot be changed from {existing['Status']} to "
                                        f"{status}.")
        if lock and existing["Date"] <= lock:
            raise ValidationFailedError(f"The journal date is on or before the period lock date ({lock:%d/%m/%Y}); "
                                        "it cannot be edited.")
    elif status not in ("DRAFT", "POSTED"):
        raise ValidationFailedError(f"A manual journal can't be created with status {status}.")
    for key in ("Narration", "Url", "ShowOnCashBasisReports", "LineAmountTypes"):
        if key in element:
            journal[key] = element[key]
    if not isinstance(journal.get("ShowOnCashBasisReports"), bool):
        problems.append("ShowOnCashBasisReports must be true or false.")
        journal["ShowOnCashBasisReports"] = True
    if journal.get("Url") is not None and not isinstance(journal["Url"], str):
        problems.append("Url must be text.")
    if journal["LineAmountTypes"] not in LINE_AMOUNT_TYPES:
        problems.append(f"LineAmountTypes '{journal['LineAmountTypes']}' is not valid.")
        journal["LineAmountTypes"] = "NoTax"
    narration = journal.get("Narration")
    if not isinstance(narration, str) or not narration.strip():
        problems.append("Narration must not be empty.")
    try:
        journal["Date"] = parse_date(element.get("Date")) or journal.get("Date") or req.now.date()
    except BadDateError as exc:
        problems.append(str(exc))
        journal["Date"] = journal.get("Date") or req.now.date()
    if lock and journal["Date"] <= lock:
        problems.append(f"The journal date cannot be on or before the period lock date ({lock:%d/%m/%Y}).")
    if "JournalLines" in element or existing is None:
        raw_lines = element.get("JournalLines")
        if raw_lines is not None and not isinstance(raw_lines, list):
            problems.append("JournalLines must be a list.")
            raw_lines = []
        lines = [line for raw in raw_lines or [] if (line := _line(req, raw, journal["LineAmountTypes"], problems))]
        journal["JournalLines"] = lines
    lines = journal.get("JournalLines") or []
    if len(lines) < 2:
        problems.append("A manual journal must have at least two journal lines.")
    debits, credits = _balance(lines, journal["LineAmountTypes"])
    if debits + credits != ZERO:
        problems.append(f"The total debits ({debits:.2f}) must equal total credits ({credits:.2f})")
    if problems:
        raise ValidationFailedError(*dict.fromkeys(problems))
    journal["Status"] = status
    journal["UpdatedDateUTC"] = req.now
    org["journals"][journal["ManualJournalID"]] = journal
    return with_status(journal_wire(journal))


def _create(req: Req, element: dict) -> dict:
    try:
        return _apply(req, element, None)
    except ValidationFailedError as exc:
        # The schema requires a Narration: the echo of a journal sent without a textual one
        # carries "", so an SDK can still read the answer.
        if not isinstance(element.get("Narration"), str):
            exc.echo = {**element, "Narration": ""}
        raise


def put_journals(req: Req) -> tuple[int, dict]:
    def create(element: dict) -> dict:
        if element.get("ManualJournalID") and element["ManualJournalID"] in req.org["journals"]:
            raise ValidationFailedError("A manual journal with this ManualJournalID already exists; use POST.")
        return _create(req, element)

    return write_batch(req, "ManualJournals", elements_of(req, "ManualJournals"), create, ENUMS)


def post_journals(req: Req) -> tuple[int, dict]:
    def upsert(element: dict) -> dict:
        existing = None
        if element.get("ManualJournalID"):
            journal_id = element["ManualJournalID"]
            existing = req.org["journals"].get(journal_id) if isinstance(journal_id, str) else None
            if existing is None:
                raise ValidationFailedError(f"Manual journal {journal_id} could not be found.")
        if existing is None:
            return _create(req, element)
        return echo_update(lambda: _apply(req, element, existing), journal_wire(existing), element)

    elements = elements_of(req, "ManualJournals")
    if "ref" in req.path_params:
        if req.path_params["ref"] not in req.org["journals"]:
            raise not_found()
        elements = [{**elements[0], "ManualJournalID": req.path_params["ref"]}]
    return write_batch(req, "ManualJournals", elements, upsert, ENUMS)


def get_journals(req: Req) -> tuple[int, dict]:
    journals = where.filtered(list(req.org["journals"].values()), req.param("where"), "ManualJournal")
    return list_answer(req, "ManualJournals", journals, schema="ManualJournal",
                       order=lambda j: (j["UpdatedDateUTC"], j["ManualJournalID"]), wire=journal_wire)


def get_journal(req: Req) -> tuple[int, dict]:
    journal = req.org["journals"].get(req.path_params["ref"])
    if journal is None:
        raise not_found()
    return 200, envelope("ManualJournals", [journal_wire(journal)], req.now)
