"""Reads for the chart of accounts: which accounts may serve which role, and a product's accounts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Q, QuerySet

from bms.core.search import contains
from bms.ledger.models import Account, AccountClass, AccountDefaults, AccountStatus, AccountType


@dataclass(frozen=True)
class RoleFilter:
    label: str
    help_text: str
    query: Q


# Never offered for any role: Xero refuses manual journals on system and bank accounts (xero-notes
# §8), and an archived account must not be used on new transactions (§9).
_USABLE = Q(status=AccountStatus.ACTIVE, is_system=False, is_bank=False)
# The nightly journal posts to the Cost and Stock accounts, so those two also need an account Xero
# takes manual journals on.
_JOURNALLED = _USABLE & Q(accepts_manual_journals=True)
_NEVER = "System and bank accounts are never offered."

# The one definition of what each select menu on Admin → Accounts → Settings offers
# (PRODUCT.md §3.3); the menus, the form's validation and the service all read it.
ROLE_FILTERS: dict[str, RoleFilter] = {
    "sales": RoleFilter(
        "Sales",
        f"Only active revenue accounts: invoice lines post here. {_NEVER}",
        _USABLE & Q(account_class=AccountClass.REVENUE),
    ),
    "cost": RoleFilter(
        "Cost",
        "Only active direct-cost and expense accounts (Direct Costs, Expense, Overheads) that take manual "
        f"journals: the nightly journal debits cost of goods here. {_NEVER}",
        _JOURNALLED & Q(account_class=AccountClass.EXPENSE,
                        account_type__in=[AccountType.DIRECTCOSTS, AccountType.EXPENSE, AccountType.OVERHEADS]),
    ),
    "stock": RoleFilter(
        "Stock",
        "Only active current-asset or inventory accounts that take manual journals: the nightly journal credits "
        f"stock on hand here. {_NEVER}",
        _JOURNALLED & Q(account_class=AccountClass.ASSET,
                        account_type__in=[AccountType.CURRENT, AccountType.INVENTORY]),
    ),
    "expense": RoleFilter(
        "Expense",
        f"Only active expense-class accounts. {_NEVER}",
        _USABLE & Q(account_class=AccountClass.EXPENSE),
    ),
}


def accounts_for_role(role: str) -> QuerySet[Account]:
    """The accounts that can serve `role` ("sales", "cost", "stock" or "expense"), by code."""
    return Account.objects.filter(ROLE_FILTERS[role].query).order_by("code")


def accounts_list(*, search: str = "", account_class: str = "", status: str = "") -> QuerySet[Account]:
    """The chart of accounts, searched by code or name and filtered by class and status."""
    accounts = Account.objects.select_related("tax_rate")
    if search:
        accounts = accounts.filter(contains(Account, ("code", "name"), search))
    if account_class:
        accounts = accounts.filter(account_class=account_class)
    if status:
        accounts = accounts.filter(status=status)
    return accounts.order_by("code")


def account_defaults() -> AccountDefaults:
    """The product account defaults row, created empty the first time it is asked for."""
    defaults, _ = AccountDefaults.objects.select_related(
        "sales_account", "cost_account", "stock_account", "expense_account"
    ).get_or_create(pk=1)
    return defaults


class ProductAccounts(NamedTuple):
    sales: Account | None
    cost: Account | None
    stock: Account | None


def product_accounts(product) -> ProductAccounts:
    """(sales, cost, stock): the product's own accounts where it has them, else the defaults.
    None means neither is set; the caller decides whether that stops it."""
    defaults = account_defaults()
    return ProductAccounts(
        sales=product.sales_account or defaults.sales_account,
        cost=product.cost_account or defaults.cost_account,
        stock=product.stock_account or defaults.stock_account,
    )
