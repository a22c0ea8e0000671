"""Chart of accounts, tax rates and account defaults: every change goes through here."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from bms.core.errors import DomainError
from bms.ledger.models import Account, AccountClass, AccountDefaults, AccountStatus, AccountType, TaxRate
from bms.ledger.selectors import ROLE_FILTERS, account_defaults, accounts_for_role

# Xero's conventional account type → class (xero-notes §9). Types Xero adds later are accepted as
# they come; only known types are checked.
TYPE_CLASS = {
    AccountType.BANK: AccountClass.ASSET, AccountType.CURRENT: AccountClass.ASSET,
    AccountType.FIXED: AccountClass.ASSET, AccountType.INVENTORY: AccountClass.ASSET,
    AccountType.NONCURRENT: AccountClass.ASSET, AccountType.PREPAYMENT: AccountClass.ASSET,
    AccountType.DEPRECIATN: AccountClass.EXPENSE, AccountType.DIRECTCOSTS: AccountClass.EXPENSE,
    AccountType.EXPENSE: AccountClass.EXPENSE, AccountType.OVERHEADS: AccountClass.EXPENSE,
    AccountType.CURRLIAB: AccountClass.LIABILITY, AccountType.LIABILITY: AccountClass.LIABILITY,
    AccountType.TERMLIAB: AccountClass.LIABILITY, AccountType.PAYG: AccountClass.LIABILITY,
    AccountType.EQUITY: AccountClass.EQUITY,
    AccountType.OTHERINCOME: AccountClass.REVENUE, AccountType.REVENUE: AccountClass.REVENUE,
    AccountType.SALES: AccountClass.REVENUE,
}

ACCOUNT_FIELDS = frozenset({"code", "name", "account_class", "account_type", "tax_rate", "status", "description",
                            "is_system", "is_bank", "accepts_manual_journals"})
DEFAULT_FIELDS = {f"{role}_account": role for role in ROLE_FILTERS}


def _check_account(account: Account) -> None:
    account.code = (account.code or "").strip()
    account.name = (account.name or "").strip()
    if not account.code:
        raise DomainError("Enter the account code (the same code as in Xero).", field="code")
    if not account.name:
        raise DomainError("Enter the account name.", field="name")
    if account.account_class not in AccountClass.values:
        raise DomainError("Choose the account class.", field="account_class")
    if Account.objects.exclude(pk=account.pk).filter(code__iexact=account.code).exists():
        raise DomainError(f"Account code {account.code} already exists: codes must equal Xero's and be unique.",
                          field="code")
    expected = TYPE_CLASS.get(account.account_type)
    if expected and expected != account.account_class:
        raise DomainError(
            f"Account type {AccountType(account.account_type).label} belongs to the {AccountClass(expected).label} "
            f"class in Xero, not {AccountClass(account.account_class).label}.",
            field="account_class",
        )
    account.is_bank = account.is_bank or account.account_type == AccountType.BANK


def account_create(**fields) -> Account:
    """A new account in the chart (fields as on the New Account form). Its code must be unique, as
    in Xero, and its class must be the one Xero gives its type."""
    unknown = set(fields) - ACCOUNT_FIELDS
    if unknown:
        raise TypeError(f"unexpected account fields {sorted(unknown)}")
    account = Account(**fields)
    _check_account(account)
    account.full_clean()
    account.save()
    return account


def account_update(*, account: Account, **fields) -> Account:
    unknown = set(fields) - ACCOUNT_FIELDS
    if unknown:
        raise TypeError(f"unexpected account fields {sorted(unknown)}")
    for name, value in fields.items():
        setattr(account, name, value)
    _check_account(account)
    account.full_clean()
    account.save()
    return account


def account_defaults_update(**accounts: Account | None) -> AccountDefaults:
    """Set the product account defaults given (sales_account, cost_account, stock_account,
    expense_account; None clears one); those not given keep their value."""
    unknown = set(accounts) - set(DEFAULT_FIELDS)
    if unknown:
        raise TypeError(f"unexpected account defaults {sorted(unknown)}")
    for field, account in accounts.items():
        role = DEFAULT_FIELDS[field]
        # The same filter as the select menus: a crafted request can't store an account they don't offer.
        if account is not None and not accounts_for_role(role).filter(pk=account.pk).exists():
            raise DomainError(f"{account} can't be the {ROLE_FILTERS[role].label} account. "
                              f"{ROLE_FILTERS[role].help_text}", field=field)
    with transaction.atomic():
        account_defaults()  # creates the row the first time, so it can be locked
        defaults = AccountDefaults.objects.select_for_update().get(pk=1)
        for field, account in accounts.items():
            setattr(defaults, field, account)
        defaults.save()
    return defaults


class Upsert:
    ADDED, UPDATED, UNCHANGED = "added", "updated", "unchanged"


def _upsert(model, lookup: dict, values: dict) -> str:
    """Add the row, or change the fields that differ; a row that already matches is not written (and
    not counted as updated: a sync that changed nothing says so)."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        model.objects.create(**lookup, **values)
        return Upsert.ADDED
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        return Upsert.UNCHANGED
    for name in changed:
        setattr(row, name, values[name])
    row.save(update_fields=changed)
    return Upsert.UPDATED


def tax_rate_upsert_by_type(*, xero_tax_type: str, name: str, rate_percent: Decimal, is_active: bool) -> str:
    """Add or update the tax rate of this tax type (the chart comes from the accounting system):
    Upsert.ADDED, UPDATED or UNCHANGED."""
    return _upsert(TaxRate, {"xero_tax_type": xero_tax_type},
                   {"name": name[:100], "rate_percent": rate_percent, "is_active": is_active})


def account_upsert_by_code(
    *, code: str, name: str, account_class: str, account_type: str, tax_rate: TaxRate | None, is_archived: bool,
    is_system: bool, is_bank: bool, description: str = "",
) -> str:
    """Add or update the account with this code (never deletes; the chart comes from the accounting system):
    Upsert.ADDED, UPDATED or UNCHANGED."""
    if account_class not in AccountClass.values:
        account_class = TYPE_CLASS.get(account_type, AccountClass.EXPENSE)
    return _upsert(Account, {"code": code}, {
        "name": name[:150], "account_class": account_class, "account_type": account_type[:32],
        "tax_rate": tax_rate, "status": AccountStatus.ARCHIVED if is_archived else AccountStatus.ACTIVE,
        "is_system": is_system, "is_bank": is_bank, "description": description,
    })
