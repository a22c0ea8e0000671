"""GET /Organisation, /Accounts, /TaxRates."""

from __future__ import annotations

from xero_sandbox import where
from xero_sandbox.request import Req, envelope
from xero_sandbox.xerodates import ms_date


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


def get_organisation(req: Req):
    return 200, envelope("Organisations", [organisation_wire(req.org)], req.now)


def account_wire(account: dict) -> dict:
    body = {key: value for key, value in account.items() if value is not None and key != "UpdatedDateUTC"}
    body["UpdatedDateUTC"] = ms_date(account["UpdatedDateUTC"])
    body["HasAttachments"] = False
    return body


def get_accounts(req: Req):
    accounts = sorted(req.org["accounts"].values(), key=lambda a: a["Code"] or "")
    if req.param("where"):
        groups = where.parse(req.param("where"))
        accounts = [a for a in accounts if where.matches(a, groups)]
    return 200, envelope("Accounts", [account_wire(a) for a in accounts], req.now)


def get_tax_rates(req: Req):
    rates = sorted(req.org["tax_rates"].values(), key=lambda r: r["Name"])
    if req.param("where"):
        groups = where.parse(req.param("where"))
        rates = [r for r in rates if where.matches(r, groups)]
    wire = [{**rate, "CanApplyToRevenue": True, "CanApplyToExpenses": True, "CanApplyToAssets": True,
             "CanApplyToEquity": True, "CanApplyToLiabilities": True,
             "TaxComponents": [{"Name": rate["Name"], "Rate": rate["EffectiveRate"], "IsCompound": False,
                                "IsNonRecoverable": False}]} for rate in rates]
    return 200, envelope("TaxRates", wire, req.now)
