"""GET /Organisation, /Accounts and /TaxRates (scope accounting.settings[.read]; xero-notes §9, §11)."""

from __future__ import annotations

from xero_sandbox.accounting import where
from xero_sandbox.accounting.request import Req, envelope
from xero_sandbox.xerodates import ms_date


def lock_date(org: dict):
    """The later of the period and end-of-year lock dates: nothing may be dated on or before it."""
    dates = [d for d in (org.get("period_lock_date"), org.get("end_of_year_lock_date")) if d]
    return max(dates) if dates else None


def organisation_wire(org: dict) -> dict:
    body = {
        "OrganisationID": org["tenant_id"], "APIKey": "", "Name": org["name"], "LegalName": org["legal_name"],
        "PaysTax": True, "Version": org["version"], "OrganisationType": "COMPANY", "BaseCurrency": org["base_currency"],
        "CountryCode": org["country_code"], "IsDemoCompany": False, "OrganisationStatus": "ACTIVE",
        "Timezone": org["timezone"], "ShortCode": org["short_code"], "Edition": "BUSINESS", "Class": "STANDARD",
        "FinancialYearEndDay": 30, "FinancialYearEndMonth": 6, "SalesTaxBasis": "ACCRUALS",
        "SalesTaxPeriod": "QUARTERLY1", "CreatedDateUTC": ms_date(org["created"]),
    }
    if org.get("period_lock_date"):
        body["PeriodLockDate"] = ms_date(org["period_lock_date"])
    if org.get("end_of_year_lock_date"):
        body["EndOfYearLockDate"] = ms_date(org["end_of_year_lock_date"])
    return body


def get_organisation(req: Req) -> tuple[int, dict]:
    return 200, envelope("Organisations", [organisation_wire(req.org)], req.now)


def account_wire(account: dict) -> dict:
    body = {key: value for key, value in account.items() if value is not None and key != "UpdatedDateUTC"}
    body["UpdatedDateUTC"] = ms_date(account["UpdatedDateUTC"])
    body["HasAttachments"] = False
    return body


def account_by_code(org: dict, code: object) -> dict | None:
    if not isinstance(code, str) or not code:
        return None
    return next((a for a in org["accounts"].values() if a["Code"] == code), None)


def get_accounts(req: Req) -> tuple[int, dict]:
    accounts = sorted(req.org["accounts"].values(), key=lambda a: a["Code"] or "")
    if req.modified_since:
        accounts = [a for a in accounts if a["UpdatedDateUTC"] > req.modified_since]
    accounts = where.filtered(accounts, req.param("where"), "Account")
    return 200, envelope("Accounts", [account_wire(a) for a in accounts], req.now)


def tax_rate_wire(rate: dict) -> dict:
    return {**rate, "TaxComponents": [{"Name": rate["Name"], "Rate": rate["EffectiveRate"], "IsCompound": False,
                               "IsNonRecoverable": False}]}


def get_tax_rates(req: Req) -> tuple[int, dict]:
    rates = where.filtered(sorted(req.org["tax_rates"].values(), key=lambda r: r["Name"]), req.param("where"),
                           "TaxRate")
    return 200, envelope("TaxRates", [tax_rate_wire(rate) for rate in rates], req.now)
