"""Reads for the Journals screens and the push: journals by filter, a journal's lines as shown
(two per posting), its per-account summary and its totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db.models import QuerySet, Sum

from bms.cogs.models import CostOfSalesJournal, JournalPosting
from bms.core.money import ZERO, money_from_db
from bms.ledger.models import Account


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


def _sides(posting_cost, posting_stock, *, is_reversal: bool):
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
    sums: dict[int, list[Decimal]] = {}
    for cost, stock, is_reversal, amount in groups:
        debit_account, credit_account = _sides(cost, stock, is_reversal=is_reversal)
        sums.setdefault(debit_account, [ZERO, ZERO])[0] += money_from_db(amount)
        sums.setdefault(credit_account, [ZERO, ZERO])[1] += money_from_db(amount)
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
    amount = posting.amount
    cost_debit, cost_credit = (ZERO, amount) if posting.is_reversal else (amount, ZERO)

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


def journal_postings(journal: CostOfSalesJournal) -> QuerySet[JournalPosting]:
    """A journal's postings in the order its lines are listed, for the journal's page."""
    return (JournalPosting.objects.filter(journal=journal)
            .select_related("cost_account", "stock_account", "product").order_by("pk"))


def journal_lines_of(postings: list[JournalPosting]) -> list[JournalLine]:
    """A page of postings as the journal's lines: two per posting, Cost then Stock."""
    return [line for posting in postings for line in _lines_of(posting)]


class JournalTotals(NamedTuple):
    debit: Decimal
    credit: Decimal


def journal_totals(journal: CostOfSalesJournal, *, summary: list[dict] | None = None) -> JournalTotals:
    """Debits and credits summed from the postings themselves (each is as much debit as credit),
    so the page says what the lines say even if the stored header totals were ever out of step.
    Given the journal's account summary (itself summed from the postings), added up from it rather
    than read again: a journal of 100,000 postings is then read once per page view, not twice."""
    if summary is not None:
        return JournalTotals(debit=sum((row["debit"] for row in summary), ZERO),
                             credit=sum((row["credit"] for row in summary), ZERO))
    amount = JournalPosting.objects.filter(journal=journal).aggregate(amount=Sum("amount"))["amount"]
    return JournalTotals(debit=money_from_db(amount), credit=money_from_db(amount))


def journal_is_balanced(journal: CostOfSalesJournal, totals: JournalTotals) -> bool:
    """Balanced (the journal's page): the debit and credit stored on the journal — what the Journals
    list shows and the build wrote — equal each other and equal what its lines add up to. The lines
    alone always balance (a posting is one debit and one credit of its amount); a journal whose
    stored totals drifted from its lines does not, and says so."""
    return journal.debit_amount == journal.credit_amount == totals.debit == totals.credit
