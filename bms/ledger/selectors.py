"""Reads for the chart of accounts: which accounts may serve which role, and a product's accounts."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from bms.ledger.models import Account, AccountClass, AccountDefaults, AccountStatus, AccountType


@dataclass(frozen=True)
class RoleFilter:
    label: str
    help_text: str
    query: Q


_USABLE = Q(status=AccountStatus.ACTIVE, is_system=False, is_bank=False)

# The one definition of what each select menu on Admin → Accounts → Settings offers (PRODUCT.md §3.3).
ROLE_FILTERS: dict[str, RoleFilter] = {
    "sales": RoleFilter(
        "Sales",
        "Only active revenue accounts: invoice lines post here. System and bank accounts are never offered.",
        _USABLE & Q(account_class=AccountClass.REVENUE),
    ),
    "cost": RoleFilter(
        "Cost",
        "Only active direct-cost and expense accounts (Direct Costs, Expense, Overheads): the nightly journal "
        "debits cost of goods here. System and bank accounts are never offered.",
        _USABLE & Q(account_class=AccountClass.EXPENSE,
                    account_type__in=[AccountType.DIRECTCOSTS, AccountType.EXPENSE, AccountType.OVERHEADS]),
    ),
    "stock": RoleFilter(
        "Stock",
        "Only active current-asset or inventory accounts that take manual journals: the nightly journal credits "
        "stock on hand here. System and bank accounts are never offered.",
        _USABLE & Q(account_class=AccountClass.ASSET, account_type__in=[AccountType.CURRENT, AccountType.INVENTORY]),
    ),
    "expense": RoleFilter(
        "Expense",
        "Only active expense-class accounts. System and bank accounts are never offered.",
        _USABLE & Q(account_class=AccountClass.EXPENSE),
    ),
}


def accounts_for_role(role: str) -> QuerySet[Account]:
    return Account.objects.filter(ROLE_FILTERS[role].query).order_by("code")


def account_defaults() -> AccountDefaults:
    defaults, _ = AccountDefaults.objects.select_related(
        "sales_account", "cost_account", "stock_account", "expense_account"
    ).get_or_create(pk=1)
    return defaults


@dataclass(frozen=True)
class ProductAccounts:
    sales: Account | None
    cost: Account | None
    stock: Account | None


def product_accounts(product) -> ProductAccounts:
    """A product's own accounts where it has them, else the defaults."""
    defaults = account_defaults()
    return ProductAccounts(
        sales=product.sales_account or defaults.sales_account,
        cost=product.cost_account or defaults.cost_account,
        stock=product.stock_account or defaults.stock_account,
    )


def accounts_list(*, search: str = "", account_class: str = "", status: str = "") -> QuerySet[Account]:
    accounts = Account.objects.select_related("tax_rate")
    if search:
        accounts = accounts.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if account_class:
        accounts = accounts.filter(account_class=account_class)
    if status:
        accounts = accounts.filter(status=status)
    return accounts.order_by("code")
