from datetime import date
from decimal import Decimal

import pytest

from bms.cogs.models import CostOfSalesJournal, JournalPosting
from bms.cogs.selectors import journal_account_summary, journal_is_balanced, journal_totals, journals_list
from bms.testing import factories as f

pytestmark = pytest.mark.django_db
D = Decimal


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
    assert journal_totals(journal) == (D("35.75"), D("35.75"))
    assert journal_totals(journal, summary=journal_account_summary(journal)) == (D("35.75"), D("35.75"))


def test_totals_come_from_the_postings_not_the_stored_header(chart, journals):
    journal = journals["au_23"]
    CostOfSalesJournal.objects.filter(pk=journal.pk).update(debit_amount=D("9.99"), credit_amount=D("1.00"))
    JournalPosting.objects.create(journal=journal, cost_account=chart["cogs"], stock_account=chart["stock"],
                                  amount=D("1.00"))
    assert journal_totals(journal) == (D("1.00"), D("1.00"))
    assert journal_totals(journal, summary=journal_account_summary(journal)) == (D("1.00"), D("1.00"))
    assert journal_totals(journals["au_24"]) == (D("0.00"), D("0.00"))
    empty = journal_account_summary(journals["au_24"])
    assert journal_totals(journals["au_24"], summary=empty) == (D("0.00"), D("0.00"))


def test_a_journal_is_balanced_only_while_its_stored_totals_agree_with_its_lines(chart, journals):
    journal = journals["au_23"]
    JournalPosting.objects.create(journal=journal, cost_account=chart["cogs"], stock_account=chart["stock"],
                                  amount=D("7.50"))
    for stored_debit, stored_credit, balanced in (("7.50", "7.50", True), ("7.50", "7.49", False),
                                                  ("8.00", "8.00", False), ("0.00", "0.00", False)):
        CostOfSalesJournal.objects.filter(pk=journal.pk).update(debit_amount=D(stored_debit),
                                                                credit_amount=D(stored_credit))
        journal.refresh_from_db()
        assert journal_is_balanced(journal, journal_totals(journal)) is balanced, (stored_debit, stored_credit)


def test_a_posting_cannot_be_stored_without_its_other_side_nor_negative(chart, journals):
    # A line on one side only was how a journal could fail to balance; a posting carries both.
    from django.db import IntegrityError, transaction

    for fields in ({"cost_account": chart["cogs"], "amount": D("1.00")},
                   {"cost_account": chart["cogs"], "stock_account": chart["stock"], "amount": D("-1.00")}):
        with pytest.raises(IntegrityError), transaction.atomic():
            JournalPosting.objects.create(journal=journals["au_23"], **fields)
