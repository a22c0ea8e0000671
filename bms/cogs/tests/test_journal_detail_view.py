from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bms.cogs.models import CostOfSalesJournal, JournalPosting
from bms.testing import factories as f

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def journal(chart):
    lathe = f.product("MACH-01", "Lathe")
    journal = CostOfSalesJournal.objects.create(entity=f.entity(), journaled_on=date(2026, 4, 23),
                                                description="B2B Cost of Sales Journal for 23/04/2026",
                                                debit_amount=D("300.00"), credit_amount=D("300.00"))
    for reference, amount in (("AU-D1", "100.00"), ("AU-D2", "200.00")):
        JournalPosting.objects.create(journal=journal, cost_account=chart["cogs"], stock_account=chart["stock"],
                                      product=lathe, dispatch_reference=reference, quantity=D("1"),
                                      unit_cost=D(amount), amount=D(amount))
    return journal


def test_it_shows_the_journal_with_its_account_summary_and_lines(admin_client, journal):
    response = admin_client.get(reverse("cogs:journal_detail", args=[journal.pk]))
    summary = {row["account__code"]: row["net"] for row in response.context["summary"]}
    assert summary == {"14410": D("-300.00"), "51110": D("300.00")}
    html = response.content.decode()
    for text in ("Acme AU", "23/04/2026", "Balanced", "Yes", "Account Summary", "Journal Lines", "AU-D2",
                 "MACH-01", "Xero Integration", "-300.00"):
        assert text in html
    assert len(response.context["page_obj"]) == 4


def test_it_says_not_balanced_when_the_journals_totals_disagree_with_its_lines(admin_client, journal):
    CostOfSalesJournal.objects.filter(pk=journal.pk).update(debit_amount=D("310.00"))
    response = admin_client.get(reverse("cogs:journal_detail", args=[journal.pk]))
    assert response.context["is_balanced"] is False
    html = response.content.decode()
    assert '<span class="badge badge-error">No</span>' in html
    assert "debit 310.00, credit 300.00" in html


def test_it_lists_each_posting_as_its_debit_cost_and_credit_stock_lines_two_hundred_a_page(admin_client, journal,
                                                                                          chart):
    JournalPosting.objects.bulk_create(
        JournalPosting(journal=journal, cost_account=chart["cogs"], stock_account=chart["stock"],
                       dispatch_reference=f"AU-X{n}", quantity=D("1"), unit_cost=D("1"), amount=D("1.00"))
        for n in range(99))  # 101 postings: 202 lines
    url = reverse("cogs:journal_detail", args=[journal.pk])
    first = admin_client.get(url)
    second = admin_client.get(url + "?" + first.context["page_obj"].next_query)
    lines = [(line.account.code, line.dispatch_reference, line.debit_amount, line.credit_amount)
             for line in first.context["page_obj"]]
    assert lines[:4] == [("51110", "AU-D1", D("100.00"), D("0.00")), ("14410", "AU-D1", D("0.00"), D("100.00")),
                         ("51110", "AU-D2", D("200.00"), D("0.00")), ("14410", "AU-D2", D("0.00"), D("200.00"))]
    assert len(lines) == 200 and first.context["page_obj"].count == 202
    assert [(line.account.code, line.dispatch_reference) for line in second.context["page_obj"]] == [
        ("51110", "AU-X98"), ("14410", "AU-X98")]
    assert b"200 shown \xc2\xb7 202 rows" in first.content


def test_it_refuses_staff(staff_client, journal):
    assert staff_client.get(reverse("cogs:journal_detail", args=[journal.pk])).status_code == 403


def test_it_answers_404_for_a_missing_journal(admin_client):
    assert admin_client.get(reverse("cogs:journal_detail", args=[999])).status_code == 404
