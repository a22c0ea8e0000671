"""What Connect Xero Organisation offers per organisation, read from Xero itself (PRODUCT.md §3.8):
its zero-rate tax types and the accounts that take payments. Two calls per organisation
(GET /TaxRates, GET /Accounts); the filters are pure functions of what was read.

- Invoice lines without a tax rate: ACTIVE, rate 0 and CanApplyToRevenue (never a purchase-only
  type: Xero refuses it on a sales line). Suggested by country: AU "GST Free Income" (EXEMPTOUTPUT),
  NZ "Zero Rated" (ZERORATED).
- Journal lines (cost of sales and stock, never sales): ACTIVE, rate 0, applying to expenses and
  assets. Suggested: AU "BAS Excluded" (BASEXCLUDED), NZ "No GST" (NONE).
- Payments: ACTIVE BANK accounts and accounts with EnablePaymentsToAccount, the only ones Xero takes
  a payment to (xero-notes §7).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from bms.xero.client.errors import XeroError
from bms.xero.client.schemas import Account, TaxRate
from bms.xero.models import XeroTenant
from bms.xero.sync.tenant_client import accounting_client

SUGGESTED_ZERO_RATE = {"AU": "EXEMPTOUTPUT", "NZ": "ZERORATED"}
SUGGESTED_JOURNAL_TAX = {"AU": "BASEXCLUDED", "NZ": "NONE"}


@dataclass(frozen=True)
class TaxOption:
    tax_type: str
    name: str
    report_tax_type: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.tax_type}) — reports as {self.report_tax_type or 'not stated'}"


@dataclass(frozen=True)
class AccountOption:
    code: str
    name: str
    kind: str

    @property
    def label(self) -> str:
        return f"{self.code} {self.name} ({self.kind})"


@dataclass
class TenantOptions:
    tenant: XeroTenant
    zero_rate: list[TaxOption] = field(default_factory=list)
    journal: list[TaxOption] = field(default_factory=list)
    accounts: list[AccountOption] = field(default_factory=list)
    problem: str = ""  # why Xero could not be read

    def zero_rate_option(self, tax_type: str) -> TaxOption | None:
        return next((o for o in self.zero_rate if o.tax_type == tax_type), None)

    def journal_option(self, tax_type: str) -> TaxOption | None:
        return next((o for o in self.journal if o.tax_type == tax_type), None)

    def account_option(self, code: str) -> AccountOption | None:
        return next((o for o in self.accounts if o.code == code), None)

    def suggested_zero_rate(self) -> str:
        return self.tenant.zero_rate_tax_type or _suggest(self.zero_rate, SUGGESTED_ZERO_RATE, self.tenant)

    def suggested_journal_tax(self) -> str:
        return self.tenant.journal_tax_type or _suggest(self.journal, SUGGESTED_JOURNAL_TAX, self.tenant)

    def suggested_account(self) -> str:
        if self.tenant.payments_account_code:
            return self.tenant.payments_account_code
        return next((o.code for o in self.accounts if o.kind == "BANK"), "")


def _suggest(options: list[TaxOption], by_country: dict[str, str], tenant: XeroTenant) -> str:
    codes = [o.tax_type for o in options]
    wanted = [by_country[tenant.country_code]] if tenant.country_code in by_country else []
    # The organisation's country is read after connecting: before that, the country's usual type if present.
    for code in [*wanted, *by_country.values()]:
        if code in codes:
            return code
    return codes[0] if codes else ""


def _is_zero(rate: TaxRate) -> bool:
    return (rate.status or "ACTIVE") == "ACTIVE" and Decimal(rate.effective_rate or 0) == 0


def zero_rate_options(rates: list[TaxRate]) -> list[TaxOption]:
    return [_option(r) for r in rates if _is_zero(r) and r.can_apply_to_revenue and r.tax_type]


def journal_tax_options(rates: list[TaxRate]) -> list[TaxOption]:
    return [_option(r) for r in rates
            if _is_zero(r) and r.can_apply_to_expenses and r.can_apply_to_assets and r.tax_type]


def payment_account_options(accounts: list[Account]) -> list[AccountOption]:
    return [AccountOption(code=a.code, name=a.name or "", kind="BANK" if a.type == "BANK" else "payments enabled")
            for a in accounts
            if a.code and (a.status or "ACTIVE") == "ACTIVE" and (a.type == "BANK" or a.enable_payments_to_account)]


def _option(rate: TaxRate) -> TaxOption:
    return TaxOption(tax_type=rate.tax_type or "", name=rate.name or "", report_tax_type=rate.report_tax_type or "")


def tenant_connect_options(*, tenant: XeroTenant) -> TenantOptions:
    """What this organisation offers; a Xero that cannot be read is said, never raised."""
    options = TenantOptions(tenant=tenant)
    try:
        with accounting_client(tenant) as client:
            rates = client.get_tax_rates()
            accounts = client.get_accounts()
    except XeroError as exc:
        options.problem = f"Xero's tax rates and accounts for {tenant.name} could not be read ({exc.message})."
        return options
    options.zero_rate = zero_rate_options(rates)
    options.journal = journal_tax_options(rates)
    options.accounts = payment_account_options(accounts)
    return options
