"""Manual journals (xero-notes §8): at least two lines, balanced, no bank, system or archived
accounts, nothing dated on or before the lock date, DRAFT unless a status is sent."""

from __future__ import annotations

from decimal import Decimal

from xero_sandbox import where
from xero_sandbox.common import ApiError, ValidationFailedError, decimal_or_none, money, new_id, normalised, with_status
from xero_sandbox.invoices import _account, _lock_date
from xero_sandbox.request import Req, elements_of, envelope, paginate, write_batch
from xero_sandbox.xerodates import BadDateError, ms_date, parse_date

ZERO = Decimal("0.00")
STATUSES = {"DRAFT", "POSTED", "DELETED", "VOIDED"}


def journal_wire(journal: dict) -> dict:
    body = {key: normalised(value) for key, value in journal.items()
            if value is not None and key not in ("Date", "UpdatedDateUTC")}
    body["Date"] = ms_date(journal["Date"])
    body["UpdatedDateUTC"] = ms_date(journal["UpdatedDateUTC"])
    body["HasAttachments"] = False
    return body


def _apply(req: Req, element: dict, existing: dict | None) -> dict:
    org = req.org
    problems: list[str] = []
    journal = dict(existing) if existing else {"ManualJournalID": new_id(), "Status": "DRAFT",
                                               "LineAmountTypes": "NoTax", "ShowOnCashBasisReports": True}
    if existing and existing["Status"] in ("DELETED", "VOIDED"):
        raise ValidationFailedError(f"This journal cannot be edited as it has a status of {existing['Status']}.")
    for key in ("Narration", "Url", "ShowOnCashBasisReports", "LineAmountTypes"):
        if key in element:
            journal[key] = element[key]
    status = element.get("Status", journal["Status"])
    if status not in STATUSES:
        problems.append(f"Status '{status}' is not valid for a manual journal.")
    narration = journal.get("Narration")
    if not narration or not str(narration).strip():
        problems.append("Narration must not be empty.")
    try:
        journal["Date"] = parse_date(element.get("Date")) or journal.get("Date") or req.now.date()
    except BadDateError as exc:
        problems.append(str(exc))
    lock = _lock_date(org)
    if lock and isinstance(journal.get("Date"), type(req.now.date())) and journal["Date"] <= lock:
        problems.append(f"The journal date cannot be on or before the period lock date ({lock:%d/%m/%Y}).")
    if "JournalLines" in element or existing is None:
        lines = []
        for raw in element.get("JournalLines") or []:
            if not isinstance(raw, dict):
                problems.append("JournalLines must be objects.")
                continue
            try:
                amount = decimal_or_none(raw.get("LineAmount"))
            except ValidationFailedError as exc:
                problems += exc.messages
                continue
            code = raw.get("AccountCode")
            account = _account(org, code)
            if account is None:
                problems.append(f"Account code '{code}' is not a valid code for a manual journal.")
            elif account["Status"] != "ACTIVE":
                problems.append(f"Account code '{code}' has been archived, or has been deleted.")
            elif account["Type"] == "BANK":
                problems.append(f"Account code '{code}' is a bank account and can't be used in a manual journal; "
                                "use a clearing account.")
            elif account.get("SystemAccount"):
                problems.append(f"Account code '{code}' is a system account and can't be used in a manual journal.")
            if amount is None:
                problems.append("Each journal line needs a LineAmount.")
                continue
            if len(raw.get("Tracking") or []) > 2:
                problems.append("A journal line can have at most two tracking categories.")
            lines.append({"LineAmount": money(amount), "AccountCode": code, "Description": raw.get("Description"),
                          "TaxType": raw.get("TaxType") or "NONE", "TaxAmount": ZERO, "IsBlank": False,
                          "Tracking": raw.get("Tracking") or None,
                          "AccountID": account["AccountID"] if account else None})
        journal["JournalLines"] = lines
    lines = journal.get("JournalLines") or []
    if len(lines) < 2:
        problems.append("A manual journal must have at least two journal lines.")
    debits = sum((line["LineAmount"] for line in lines if line["LineAmount"] > 0), ZERO)
    credits = sum((line["LineAmount"] for line in lines if line["LineAmount"] < 0), ZERO)
    if debits + credits != ZERO:
        problems.append(f"The total debits ({debits:.2f}) must equal total credits ({credits:.2f})")
    if problems:
        raise ValidationFailedError(*dict.fromkeys(problems))
    journal["Status"] = status
    journal["UpdatedDateUTC"] = req.now
    org["journals"][journal["ManualJournalID"]] = journal
    return with_status(journal_wire(journal))


def put_journals(req: Req):
    return write_batch(req, "ManualJournals", elements_of(req, "ManualJournals"), lambda e: _apply(req, e, None))


def post_journals(req: Req):
    def upsert(element: dict) -> dict:
        existing = None
        if element.get("ManualJournalID"):
            existing = req.org["journals"].get(element["ManualJournalID"])
            if existing is None:
                raise ValidationFailedError(f"Manual journal {element['ManualJournalID']} could not be found.")
        return _apply(req, element, existing)

    elements = elements_of(req, "ManualJournals")
    if "ref" in req.path_params:
        elements = [{**elements[0], "ManualJournalID": req.path_params["ref"]}]
    return write_batch(req, "ManualJournals", elements, upsert)


def get_journals(req: Req):
    journals = list(req.org["journals"].values())
    if req.param("where"):
        groups = where.parse(req.param("where"))
        journals = [j for j in journals if where.matches(j, groups)]
    if req.modified_since:
        journals = [j for j in journals if j["UpdatedDateUTC"] > req.modified_since]
    journals.sort(key=lambda j: (j["UpdatedDateUTC"], j["ManualJournalID"]))
    page, pagination = paginate(req, journals)
    return 200, envelope("ManualJournals", [journal_wire(j) for j in page], req.now, pagination)


def get_journal(req: Req):
    journal = req.org["journals"].get(req.path_params["ref"])
    if journal is None:
        raise ApiError(404, {"Title": "Not Found", "Status": 404, "Detail": "The resource could not be found."})
    return 200, envelope("ManualJournals", [journal_wire(journal)], req.now)
