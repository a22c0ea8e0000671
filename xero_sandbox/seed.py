"""The organisations a fresh sandbox starts with: one in Australia and one in New Zealand, each with
a realistic chart of accounts (bank, system, inventory, direct costs, an archived account), tax
rates, two tracking categories (Region, Division; the AU Region has an archived option) and a few
contacts: one archived and two sharing a name, so that BMS's matching rules meet the cases real
organisations have. The NZ organisation has a lock date. The AU organisation has multicurrency (AUD,
NZD, USD enabled); the NZ one bills in NZD only."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from xero_sandbox.accounting.currencies import currency_entry

NAMESPACE = uuid.UUID("6f1d2b1e-0a0b-4a5e-9d3c-1b2c3d4e5f60")
DEMO_CLIENT = {
    "client_id": "bms-demo",
    "client_secret": "bms-demo-secret",
    "name": "BMS (demo)",
    "redirect_uris": ["http://127.0.0.1:8000/xero/callback/", "http://localhost:8000/xero/callback/"],
}
DEMO_USER = {"user_id": str(uuid.uuid5(NAMESPACE, "user:demo")), "given_name": "Dana", "family_name": "Demo",
             "email": "dana.demo@example.com"}


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


# (name, tax type, rate, ReportTaxType, applies to: R revenue, E expenses, A assets, Q equity, L liabilities).
# NZ as in the GET /TaxRates example of Xero's OpenAPI file (xero_accounting.yaml: "15% GST on Income"
# OUTPUT/REVENUE+A+Q+L, "Zero Rated" OUTPUT/REVENUE+L only, "No GST" NONE/everything, "15% GST on
# Expenses" INPUT/not revenue); AU follows the same pattern with the AU report types of the spec's
# ReportTaxType enum (EXEMPTOUTPUT, EXEMPTEXPENSES, BASEXCLUDED).
AU_TAX = [("GST on Income", "OUTPUT", "10.0000", "OUTPUT", "RAQL"),
          ("GST on Expenses", "INPUT", "10.0000", "INPUT", "EAQL"),
          ("GST Free Income", "EXEMPTOUTPUT", "0.0000", "EXEMPTOUTPUT", "RL"),
          ("GST Free Expenses", "EXEMPTEXPENSES", "0.0000", "EXEMPTEXPENSES", "EAL"),
          ("BAS Excluded", "BASEXCLUDED", "0.0000", "BASEXCLUDED", "REAQL")]
NZ_TAX = [("GST on Income", "OUTPUT2", "15.0000", "OUTPUT", "RAQL"),
          ("GST on Expenses", "INPUT2", "15.0000", "INPUT", "EAQL"),
          ("Zero Rated", "ZERORATED", "0.0000", "OUTPUT", "RL"),
          ("No GST", "NONE", "0.0000", "NONE", "REAQL")]
APPLIES = {"R": "CanApplyToRevenue", "E": "CanApplyToExpenses", "A": "CanApplyToAssets", "Q": "CanApplyToEquity",
           "L": "CanApplyToLiabilities"}

# (code, name, type, tax type, extras)
AU_ACCOUNTS = [
    ("10100", "Operating Account", "BANK", "BASEXCLUDED", {"BankAccountNumber": "062000123456"}),
    ("10200", "Savings Account", "BANK", "BASEXCLUDED", {"BankAccountNumber": "062000654321"}),
    ("11000", "Accounts Receivable", "CURRENT", "BASEXCLUDED", {"SystemAccount": "DEBTORS"}),
    ("11500", "Prepayments", "PREPAYMENT", "BASEXCLUDED", {}),
    ("14410", "Stock on Hand", "CURRENT", "BASEXCLUDED", {}),
    ("14420", "Stock in Transit", "CURRENT", "BASEXCLUDED", {}),
    ("14430", "Consignment Stock", "INVENTORY", "BASEXCLUDED", {}),
    ("16100", "Plant and Equipment", "FIXED", "INPUT", {}),
    ("21000", "Accounts Payable", "CURRLIAB", "BASEXCLUDED", {"SystemAccount": "CREDITORS"}),
    ("21500", "GST", "CURRLIAB", "BASEXCLUDED", {"SystemAccount": "GST"}),
    ("31000", "Owner's Capital", "EQUITY", "BASEXCLUDED", {}),
    ("32000", "Retained Earnings", "EQUITY", "BASEXCLUDED", {"SystemAccount": "RETAINEDEARNINGS"}),
    ("41110", "Hardware Sale - Machine", "REVENUE", "OUTPUT", {}),
    ("41120", "Hardware Sale - Parts", "REVENUE", "OUTPUT", {}),
    ("41130", "Hardware Sale - Consumables", "REVENUE", "OUTPUT", {}),
    ("41200", "Service Revenue", "REVENUE", "OUTPUT", {}),
    ("41300", "Export Sales", "SALES", "EXEMPTOUTPUT", {}),
    ("41900", "Hardware Sale - Legacy Range", "REVENUE", "OUTPUT", {"Status": "ARCHIVED"}),
    ("42000", "Freight Recovered", "OTHERINCOME", "OUTPUT", {}),
    ("47000", "Sundry Income", "OTHERINCOME", "OUTPUT", {}),
    ("51110", "Hardware Cost - Machine", "DIRECTCOSTS", "INPUT", {}),
    ("51120", "Hardware Cost - Parts", "DIRECTCOSTS", "INPUT", {}),
    ("51130", "Hardware Cost - Consumables", "DIRECTCOSTS", "INPUT", {}),
    ("51200", "Freight Inwards", "DIRECTCOSTS", "INPUT", {}),
    ("57110", "Sales Expense General", "EXPENSE", "INPUT", {}),
    ("62000", "Rent", "OVERHEADS", "INPUT", {}),
    ("62600", "Bank Fees", "EXPENSE", "EXEMPTEXPENSES", {}),
    ("69000", "Rounding", "EXPENSE", "BASEXCLUDED", {"SystemAccount": "ROUNDING"}),
]
NZ_ACCOUNTS = [
    ("090", "Business Bank Account", "BANK", "NONE", {"BankAccountNumber": "0101010123456700"}),
    ("610", "Accounts Receivable", "CURRENT", "NONE", {"SystemAccount": "DEBTORS"}),
    ("630", "Inventory", "INVENTORY", "NONE", {}),
    ("14410", "Stock on Hand", "CURRENT", "NONE", {}),
    ("800", "Accounts Payable", "CURRLIAB", "NONE", {"SystemAccount": "CREDITORS"}),
    ("820", "GST", "CURRLIAB", "NONE", {"SystemAccount": "GST"}),
    ("960", "Retained Earnings", "EQUITY", "NONE", {"SystemAccount": "RETAINEDEARNINGS"}),
    ("41110", "Hardware Sale - Machine", "REVENUE", "OUTPUT2", {}),
    ("41120", "Hardware Sale - Parts", "REVENUE", "OUTPUT2", {}),
    ("41130", "Hardware Sale - Consumables", "REVENUE", "OUTPUT2", {}),
    ("51110", "Hardware Cost - Machine", "DIRECTCOSTS", "INPUT2", {}),
    ("51120", "Hardware Cost - Parts", "DIRECTCOSTS", "INPUT2", {}),
    ("51130", "Hardware Cost - Consumables", "DIRECTCOSTS", "INPUT2", {}),
    ("57110", "Sales Expense General", "EXPENSE", "INPUT2", {}),
    ("499", "Old Sales", "SALES", "OUTPUT2", {"Status": "ARCHIVED"}),
]
# (category, [(option, status)]): what BMS's demo entities name, and an archived option to meet.
AU_TRACKING = [("Region", [("Sydney", "ACTIVE"), ("Melbourne", "ACTIVE"), ("Brisbane", "ACTIVE"),
                           ("Perth", "ARCHIVED")]),
               ("Division", [("Machinery", "ACTIVE"), ("Parts", "ACTIVE")])]
NZ_TRACKING = [("Region", [("Auckland", "ACTIVE"), ("Wellington", "ACTIVE")]),
               ("Division", [("Machinery", "ACTIVE"), ("Parts", "ACTIVE")])]
CURRENCIES_OF = {"AUD": ("AUD", "NZD", "USD"), "NZD": ("NZD",)}
CLASS_OF = {"BANK": "ASSET", "CURRENT": "ASSET", "FIXED": "ASSET", "INVENTORY": "ASSET", "NONCURRENT": "ASSET",
            "PREPAYMENT": "ASSET", "DEPRECIATN": "EXPENSE", "DIRECTCOSTS": "EXPENSE", "EXPENSE": "EXPENSE",
            "OVERHEADS": "EXPENSE", "CURRLIAB": "LIABILITY", "LIABILITY": "LIABILITY", "TERMLIAB": "LIABILITY",
            "EQUITY": "EQUITY", "OTHERINCOME": "REVENUE", "REVENUE": "REVENUE", "SALES": "REVENUE"}


def _tracking(key: str, categories: list) -> dict:
    tracking = {}
    for category, options in categories:
        category_id = _id("tracking", key, category)
        tracking[category_id] = {"TrackingCategoryID": category_id, "Name": category, "Status": "ACTIVE", "Options": {
            _id("option", key, category, option): {"TrackingOptionID": _id("option", key, category, option),
                                                   "Name": option, "Status": status}
            for option, status in options}}
    return tracking


def _org(key, name, short_code, currency, country, version, timezone, taxes, accounts, lock_date, contacts, now):
    tenant_id = _id("tenant", key)
    org = {
        "tenant_id": tenant_id, "name": name, "legal_name": f"{name} Limited", "short_code": short_code,
        "base_currency": currency, "country_code": country, "version": version, "timezone": timezone,
        "period_lock_date": lock_date, "end_of_year_lock_date": None, "created": now,
        "tax_rates": {}, "accounts": {}, "contacts": {}, "invoices": {}, "payments": {}, "journals": {},
        "credit_notes": {},
        "faults": {}, "currencies": [currency_entry(code) for code in CURRENCIES_OF[currency]],
        "tracking": _tracking(key, AU_TRACKING if country == "AU" else NZ_TRACKING),
    }
    for tax_name, tax_type, rate, report_type, applies in taxes:
        org["tax_rates"][tax_type] = {"Name": tax_name, "TaxType": tax_type, "Status": "ACTIVE",
                                      "EffectiveRate": Decimal(rate), "DisplayTaxRate": Decimal(rate),
                                      "ReportTaxType": report_type,
                                      **{field: letter in applies for letter, field in APPLIES.items()}}
    for code, account_name, account_type, tax_type, extras in accounts:
        account_id = _id("account", key, code)
        org["accounts"][account_id] = {
            "AccountID": account_id, "Code": code, "Name": account_name, "Type": account_type,
            "Class": CLASS_OF[account_type], "Status": extras.get("Status", "ACTIVE"), "TaxType": tax_type,
            "SystemAccount": extras.get("SystemAccount"), "BankAccountNumber": extras.get("BankAccountNumber"),
            "EnablePaymentsToAccount": False, "UpdatedDateUTC": now,
        }
    for contact_name, number, status in contacts:
        contact_id = _id("contact", key, contact_name, number or "", status)
        org["contacts"][contact_id] = {
            "ContactID": contact_id, "Name": contact_name, "ContactNumber": number, "ContactStatus": status,
            "EmailAddress": None, "TaxNumber": None, "Addresses": [], "Phones": [], "PaymentTerms": None,
            "UpdatedDateUTC": now,
        }
    return org


def new_org(key: str, name: str, country: str, now: datetime) -> dict:
    """Another organisation with the chart, tax rates and time zone of the seeded one of `country`
    ("AU" or "NZ") and no contacts: what tests and benchmarks with many tenants need. Its tenant id
    follows from `key`, so a fresh sandbox given the same keys has the same tenant ids."""
    if country == "AU":
        return _org(key, name, "!" + _id("short", key)[:5], "AUD", "AU", "AU", "AUSEASTERNSTANDARDTIME", AU_TAX,
                    AU_ACCOUNTS, None, [], now)
    if country == "NZ":
        return _org(key, name, "!" + _id("short", key)[:5], "NZD", "NZ", "NZ", "NEWZEALANDSTANDARDTIME", NZ_TAX,
                    NZ_ACCOUNTS, None, [], now)
    raise ValueError("country must be AU or NZ")


def seed_state(store) -> None:
    now = datetime.now(tz=UTC).replace(microsecond=0)
    store.clients[DEMO_CLIENT["client_id"]] = dict(DEMO_CLIENT)
    store.users[DEMO_USER["user_id"]] = dict(DEMO_USER)
    au = _org("au", "Acme Distribution (Xero AU)", "!xAu9P", "AUD", "AU", "AU", "AUSEASTERNSTANDARDTIME",
              AU_TAX, AU_ACCOUNTS, None,
              [("Harbour Tools Pty Ltd", None, "ACTIVE"), ("Southern Engineering Pty Ltd", None, "ACTIVE"),
               ("Southern Engineering Pty Ltd", None, "ARCHIVED"), ("Old Mill Joinery", "C9001", "ARCHIVED"),
               ("Walk-in Customer", None, "ACTIVE")], now)
    nz = _org("nz", "Acme Distribution (Xero NZ)", "!xNz4K", "NZD", "NZ", "NZ", "NEWZEALANDSTANDARDTIME",
              NZ_TAX, NZ_ACCOUNTS, date(2026, 3, 31),
              [("Kauri Machining Ltd", None, "ACTIVE"), ("Tasman Motors Ltd", "NZ-77", "ACTIVE")], now)
    store.orgs = {au["tenant_id"]: au, nz["tenant_id"]: nz}
