"""Reads for the chart of accounts and the journals: which accounts may serve which role, a
product's accounts, and the Journals screens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q, QuerySet, Sum

from bms.core.money import money_from_db
from bms.ledger.models import (
    Account,
    AccountClass,
    AccountDefaults,
    AccountStatus,
    AccountType,
    CostOfSalesJournal,
    JournalPosting,
)


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
        accounts = accounts.filter(Q(code__icontains=search) | Q(name__icontains=search))
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


# --- cost-of-sales journals ----------------------------------------------------------------------


def journals_list(*, entity=None, date_from: date | None = None, date_to: date | None = None, status: str = ""
                  ) -> QuerySet[CostOfSalesJournal]:
    """Journals, newest trading day first, optionally for one entity, an inclusive date range and a status."""
    journals = CostOfSalesJournal.objects.select_related("entity")
    if status:
        journals = journals.filter(status=status)
    if entity is not None:
        journals = journals.filter(entity=entity)
    if date_from is not None:
        journals = journals.filter(journaled_on__gte=date_from)
    if date_to is not None:
        journals = journals.filter(journaled_on__lte=date_to)
    return journals.order_by("-journaled_on", "entity__name", "-pk")


def _sides(posting_cost, posting_stock, is_reversal: bool):
    """(debit account, credit account) of a posting: a posting debits Cost and credits Stock, a
    reversal the other way round."""
    return (posting_stock, posting_cost) if is_reversal else (posting_cost, posting_stock)


def journal_account_summary(journal: CostOfSalesJournal) -> list[dict]:
    """Per account, by code: total debit, total credit and net movement (debit − credit). The
    database sums the postings per pair of accounts and direction — a handful of rows however many
    lines the journal has — and each pair's sum goes to its debit and its credit account here."""
    groups = (JournalPosting.objects.filter(journal=journal)
              .values_list("cost_account_id", "stock_account_id", "is_reversal")
              .annotate(amount=Sum("amount")).order_by())
    zero = Decimal("0.00")
    sums: dict[int, list[Decimal]] = {}
    for cost, stock, is_reversal, amount in groups:
        debit_account, credit_account = _sides(cost, stock, is_reversal)
        sums.setdefault(debit_account, [zero, zero])[0] += money_from_db(amount)
        sums.setdefault(credit_account, [zero, zero])[1] += money_from_db(amount)
    accounts = Account.objects.in_bulk(list(sums))
    rows = [{"account_id": pk, "account__code": accounts[pk].code, "account__name": accounts[pk].name,
             "debit": debit, "credit": credit, "net": debit - credit} for pk, (debit, credit) in sums.items()]
    return sorted(rows, key=lambda row: row["account__code"])


class JournalLine(NamedTuple):
    """One line of a journal as the screens show it: each posting is two of these."""

    account: Account
    product: object
    dispatch_reference: str
    quantity: Decimal
    unit_cost: Decimal
    debit_amount: Decimal
    credit_amount: Decimal
    is_reversal: bool


def _lines_of(posting: JournalPosting) -> tuple[JournalLine, JournalLine]:
    """The Cost line first, then the Stock line, as the journal has always listed them."""
    zero, amount = Decimal("0.00"), posting.amount
    cost_debit, cost_credit = (zero, amount) if posting.is_reversal else (amount, zero)

    def line(account: Account, debit: Decimal, credit: Decimal) -> JournalLine:
        return JournalLine(account, posting.product, posting.dispatch_reference, posting.quantity,
                           posting.unit_cost, debit, credit, posting.is_reversal)

    return line(posting.cost_account, cost_debit, cost_credit), line(posting.stock_account, cost_credit, cost_debit)


class JournalLines:
    """A journal's lines, two per posting, for a Paginator: it counts and slices the postings in
    the database, so a page reads only its own postings."""

    def __init__(self, journal: CostOfSalesJournal) -> None:
        self._postings = (JournalPosting.objects.filter(journal=journal)
                          .select_related("cost_account", "stock_account", "product").order_by("pk"))

    def count(self) -> int:
        return 2 * self._postings.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[JournalLine]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("journal lines are read a page (a slice) at a time")
        start, stop = index.start or 0, index.stop if index.stop is not None else self.count()
        postings = self._postings[start // 2:(stop + 1) // 2]
        lines = [line for posting in postings for line in _lines_of(posting)]
        return lines[start % 2:start % 2 + stop - start]


def journal_lines(journal: CostOfSalesJournal) -> JournalLines:
    return JournalLines(journal)


class JournalTotals(NamedTuple):
    debit: Decimal
    credit: Decimal

    @property
    def is_balanced(self) -> bool:
        return self.debit == self.credit


def journal_totals(journal: CostOfSalesJournal) -> JournalTotals:
    """Debits and credits summed from the postings themselves (each is as much debit as credit),
    so Balanced says what the lines say even if the stored header totals were ever out of step."""
    amount = JournalPosting.objects.filter(journal=journal).aggregate(amount=Sum("amount"))["amount"]
    return JournalTotals(debit=money_from_db(amount), credit=money_from_db(amount))
