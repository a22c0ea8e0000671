from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.tests import factories as f
from bms.ledger.models import Account, AccountDefaults, CostOfSalesJournal, JournalLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def chart():
    return {
        "revenue": f.account("41110", "Hardware Sale - Machine", "REVENUE", "REVENUE"),
        "other_income": f.account("42000", "Freight Recovered", "REVENUE", "OTHERINCOME"),
        "archived_revenue": f.account("41999", "Old Sales", "REVENUE", "REVENUE", status="ARCHIVED"),
        "cogs": f.account("51110", "Hardware Cost - Machine", "EXPENSE", "DIRECTCOSTS"),
        "expense": f.account("57110", "Sales Expense General", "EXPENSE", "EXPENSE"),
        "depreciation": f.account("58000", "Depreciation", "EXPENSE", "DEPRECIATN"),
        "stock": f.account("14410", "Stock on Hand", "ASSET", "CURRENT"),
        "inventory": f.account("14420", "Inventory Tracked", "ASSET", "INVENTORY"),
        "fixed": f.account("16000", "Plant", "ASSET", "FIXED"),
        "bank": f.account("10100", "Operating Account", "ASSET", "BANK", is_bank=True),
        "receivables": f.account("11000", "Accounts Receivable", "ASSET", "CURRENT", is_system=True),
        "retained": f.account("33000", "Retained Earnings", "EQUITY", "EQUITY", is_system=True),
    }


def _offered(response, field):
    choices = list(response.context["form"].fields[field].choices)[1:]  # after the "Not set" option
    return sorted(value.instance.code for value, _label in choices)


def test_it_offers_each_select_only_the_accounts_that_can_serve_its_role(admin_client, chart):
    response = admin_client.get(reverse("ledger:account_defaults"))
    assert _offered(response, "sales_account") == ["41110", "42000"]
    assert _offered(response, "cost_account") == ["51110", "57110"]
    assert _offered(response, "stock_account") == ["14410", "14420"]
    assert _offered(response, "expense_account") == ["51110", "57110", "58000"]
    assert b"Only active revenue accounts" in response.content
    assert b"System and bank accounts are never offered." in response.content


def test_it_refuses_a_crafted_post_with_a_bank_account_as_stock(admin_client, chart):
    response = admin_client.post(reverse("ledger:account_defaults"), {"stock_account": chart["bank"].pk,
                                                                       "sales_account": chart["revenue"].pk})
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert not AccountDefaults.objects.filter(stock_account=chart["bank"]).exists()


def test_it_saves_the_defaults(admin_client, chart):
    admin_client.post(reverse("ledger:account_defaults"), {
        "sales_account": chart["revenue"].pk, "cost_account": chart["cogs"].pk,
        "stock_account": chart["stock"].pk, "expense_account": chart["expense"].pk})
    defaults = AccountDefaults.objects.get()
    assert (defaults.sales_account, defaults.stock_account) == (chart["revenue"], chart["stock"])


def test_it_refuses_a_duplicate_account_code_and_keeps_the_input(admin_client, chart):
    response = admin_client.post(reverse("ledger:account_create"), {
        "code": "41110", "name": "Typed Name", "account_class": "REVENUE", "account_type": "REVENUE",
        "status": "ACTIVE"})
    assert response.status_code == 200
    assert b"This account code already exists" in response.content
    assert b'value="Typed Name"' in response.content


def test_it_refuses_a_class_that_does_not_fit_the_type(admin_client):
    response = admin_client.post(reverse("ledger:account_create"), {
        "code": "60000", "name": "Wages", "account_class": "REVENUE", "account_type": "EXPENSE", "status": "ACTIVE"})
    assert b"belongs to the Expense class" in response.content
    assert not Account.objects.filter(code="60000").exists()


def test_it_searches_the_chart(admin_client, chart):
    response = admin_client.get(reverse("ledger:account_list"), {"q": "stock"})
    assert b"Stock on Hand" in response.content and b"Hardware Sale" not in response.content


def test_it_filters_journals_and_summarises_accounts_in_the_detail(admin_client, chart):
    au, nz = f.entity("AU"), f.entity("NZ", time_zone="Pacific/Auckland")
    journal = CostOfSalesJournal.objects.create(entity=au, journaled_on=date(2026, 4, 23), description="J1",
                                                debit_amount=Decimal("30.00"), credit_amount=Decimal("30.00"))
    CostOfSalesJournal.objects.create(entity=nz, journaled_on=date(2026, 4, 24), description="J2")
    for amount in ("10.00", "20.00"):
        JournalLine.objects.create(journal=journal, account=chart["cogs"], debit_amount=Decimal(amount))
        JournalLine.objects.create(journal=journal, account=chart["stock"], credit_amount=Decimal(amount))
    listing = admin_client.get(reverse("ledger:journal_list"), {"entity": au.pk, "date_from": "2026-04-23",
                                                                 "date_to": "2026-04-23"})
    assert b"J1" in listing.content and b"J2" not in listing.content
    detail = admin_client.get(reverse("ledger:journal_detail", args=[journal.pk]))
    summary = {row["account__code"]: row["net"] for row in detail.context["summary"]}
    assert summary == {"14410": Decimal("-30.00"), "51110": Decimal("30.00")}
    assert b"Yes" in detail.content and b"Account Summary" in detail.content


def test_it_refuses_staff_on_ledger_screens(staff_client):
    for name in ("ledger:account_list", "ledger:account_defaults", "ledger:journal_list"):
        assert staff_client.get(reverse(name)).status_code == 403
