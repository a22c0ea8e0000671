from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.tests import factories as f
from bms.ledger.models import CostOfSalesJournal, JournalLine

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def journal(chart):
    lathe = f.product("MACH-01", "Lathe")
    journal = CostOfSalesJournal.objects.create(entity=f.entity(), journaled_on=date(2026, 4, 23),
                                                description="B2B Cost of Sales Journal for 23/04/2026",
                                                debit_amount=D("300.00"), credit_amount=D("300.00"))
    for reference, amount in (("AU-D1", "100.00"), ("AU-D2", "200.00")):
        JournalLine.objects.create(journal=journal, account=chart["cogs"], product=lathe, dispatch_reference=reference,
                                   quantity=D("1"), unit_cost=D(amount), debit_amount=D(amount))
        JournalLine.objects.create(journal=journal, account=chart["stock"], product=lathe, dispatch_reference=reference,
                                   quantity=D("1"), unit_cost=D(amount), credit_amount=D(amount))
    return journal


def test_it_shows_the_journal_with_its_account_summary_and_lines(admin_client, journal):
    response = admin_client.get(reverse("ledger:journal_detail", args=[journal.pk]))
    summary = {row["account__code"]: row["net"] for row in response.context["summary"]}
    assert summary == {"14410": D("-300.00"), "51110": D("300.00")}
    html = response.content.decode()
    for text in ("Acme AU", "23/04/2026", "Balanced", "Yes", "Account Summary", "Journal Lines", "AU-D2",
                 "MACH-01", "Xero Integration", "-300.00"):
        assert text in html
    assert len(response.context["page_obj"]) == 4


def test_it_says_no_when_the_lines_do_not_balance(admin_client, journal, chart):
    JournalLine.objects.create(journal=journal, account=chart["cogs"], debit_amount=D("0.01"))
    response = admin_client.get(reverse("ledger:journal_detail", args=[journal.pk]))
    assert not response.context["totals"].is_balanced
    assert b'<span class="badge badge-error">No</span>' in response.content


def test_it_refuses_staff(staff_client, journal):
    assert staff_client.get(reverse("ledger:journal_detail", args=[journal.pk])).status_code == 403


def test_it_answers_404_for_a_missing_journal(admin_client):
    assert admin_client.get(reverse("ledger:journal_detail", args=[999])).status_code == 404
