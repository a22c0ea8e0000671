from datetime import date
from decimal import Decimal

import pytest

from bms.billing.tests import factories as f
from bms.ledger.models import AccountDefaults, CostOfSalesJournal, JournalPosting
from bms.ledger.selectors import (
    accounts_for_role,
    journal_account_summary,
    journal_totals,
    journals_list,
    product_accounts,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(("role", "codes"), [
    ("sales", ["41110", "42000"]),
    ("cost", ["51110", "56000", "57110"]),
    ("stock", ["14410", "14420"]),
    ("expense", ["51110", "56000", "57110", "58000"]),
])
def test_it_offers_each_role_exactly_the_accounts_that_can_serve_it(chart, role, codes):
    assert [account.code for account in accounts_for_role(role)] == codes


def test_it_never_offers_system_bank_or_archived_accounts(chart):
    never = {chart[name].pk for name in ("bank", "receivables", "rounding", "payables", "retained",
                                         "archived_revenue", "archived_expense")}
    for role in ("sales", "cost", "stock", "expense"):
        assert not never & set(accounts_for_role(role).values_list("pk", flat=True))


def test_it_resolves_a_products_accounts_from_its_overrides_else_the_defaults(chart):
    AccountDefaults.objects.create(pk=1, sales_account=chart["revenue"], cost_account=chart["cogs"],
                                   stock_account=chart["stock"])
    plain = f.product("PLAIN")
    special = f.product("SPECIAL", sales_account=chart["other_income"], stock_account=chart["inventory"])
    assert product_accounts(plain) == (chart["revenue"], chart["cogs"], chart["stock"])
    sales, cost, stock = product_accounts(special)
    assert (sales, cost, stock) == (chart["other_income"], chart["cogs"], chart["inventory"])
    assert product_accounts(special).stock == chart["inventory"]


def test_it_gives_none_where_neither_product_nor_defaults_say(chart):
    assert product_accounts(f.product()) == (None, None, None)


@pytest.fixture
def journals(chart):
    au, nz = f.entity("AU"), f.entity("NZ", time_zone="Pacific/Auckland")
    return {
        "au_22": CostOfSalesJournal.objects.create(entity=au, journaled_on=date(2026, 4, 22), description="AU 22"),
        "au_23": CostOfSalesJournal.objects.create(entity=au, journaled_on=date(2026, 4, 23), description="AU 23"),
        "nz_23": CostOfSalesJournal.objects.create(entity=nz, journaled_on=date(2026, 4, 23), description="NZ 23"),
        "au_24": CostOfSalesJournal.objects.create(entity=au, journaled_on=date(2026, 4, 24), description="AU 24"),
    }


def test_it_filters_journals_by_entity_and_an_inclusive_date_range(journals):
    au = journals["au_22"].entity
    found = journals_list(entity=au, date_from=date(2026, 4, 23), date_to=date(2026, 4, 24))
    assert [journal.description for journal in found] == ["AU 24", "AU 23"]
    assert [journal.description for journal in journals_list(date_from=date(2026, 4, 23),
                                                               date_to=date(2026, 4, 23))] == ["AU 23", "NZ 23"]


def test_it_sums_each_accounts_net_movement(chart, journals):
    journal = journals["au_23"]
    for amount in ("10.25", "20.50"):
        JournalPosting.objects.create(journal=journal, cost_account=chart["cogs"], stock_account=chart["stock"],
                                      amount=D(amount))
    JournalPosting.objects.create(journal=journal, cost_account=chart["cogs"], stock_account=chart["stock"],
                                  amount=D("5.00"), is_reversal=True)
    summary = {row["account__code"]: (row["debit"], row["credit"], row["net"])
               for row in journal_account_summary(journal)}
    assert summary == {"14410": (D("5.00"), D("30.75"), D("-25.75")), "51110": (D("30.75"), D("5.00"), D("25.75"))}
    totals = journal_totals(journal)
    assert (totals.debit, totals.credit, totals.is_balanced) == (D("35.75"), D("35.75"), True)


def test_totals_come_from_the_postings_not_the_stored_header(chart, journals):
    journal = journals["au_23"]
    CostOfSalesJournal.objects.filter(pk=journal.pk).update(debit_amount=D("9.99"), credit_amount=D("1.00"))
    JournalPosting.objects.create(journal=journal, cost_account=chart["cogs"], stock_account=chart["stock"],
                                  amount=D("1.00"))
    assert journal_totals(journal) == (D("1.00"), D("1.00"))
    assert journal_totals(journals["au_24"]) == (D("0.00"), D("0.00"))


def test_a_posting_cannot_be_stored_without_its_other_side_nor_negative(chart, journals):
    # A line on one side only was how a journal could fail to balance; a posting carries both.
    from django.db import IntegrityError, transaction

    for fields in ({"cost_account": chart["cogs"], "amount": D("1.00")},
                   {"cost_account": chart["cogs"], "stock_account": chart["stock"], "amount": D("-1.00")}):
        with pytest.raises(IntegrityError), transaction.atomic():
            JournalPosting.objects.create(journal=journals["au_23"], **fields)
