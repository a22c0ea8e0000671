import pytest
from django.test import Client
from django.urls import reverse

from bms.ledger.models import AccountDefaults

pytestmark = pytest.mark.django_db
URL = reverse("ledger:account_defaults")


def _offered(response, field) -> list[str]:
    choices = list(response.context["form"].fields[field].choices)[1:]  # after "Not set"
    return [value.instance.code for value, _label in choices]


def test_it_offers_each_select_only_the_accounts_that_can_serve_its_role(admin_client, chart):
    response = admin_client.get(URL)
    assert _offered(response, "sales_account") == ["41110", "42000"]
    assert _offered(response, "cost_account") == ["51110", "56000", "57110"]
    assert _offered(response, "stock_account") == ["14410", "14420"]
    assert _offered(response, "expense_account") == ["51110", "56000", "57110", "58000"]


def test_it_names_the_filter_under_each_select(admin_client, chart):
    html = admin_client.get(URL).content.decode()
    assert "Only active revenue accounts" in html
    assert "Only active direct-cost and expense accounts" in html
    assert "Only active current-asset or inventory accounts that take manual journals" in html
    assert "Only active expense-class accounts" in html
    assert html.count("System and bank accounts are never offered.") == 4
    assert "Admin → <a" in html and "Accounts</a> → Settings" in html


def test_it_refuses_a_crafted_post_with_a_bank_account_as_stock(admin_client, chart):
    response = admin_client.post(URL, {"sales_account": chart["revenue"].pk, "stock_account": chart["bank"].pk})
    assert response.status_code == 200
    assert response.context["form"].errors["stock_account"][0].startswith("That account can't be the Stock account.")
    assert not AccountDefaults.objects.exclude(sales_account=None).exists()


def test_it_saves_the_defaults(admin_client, chart):
    response = admin_client.post(URL, {"sales_account": chart["revenue"].pk, "cost_account": chart["cogs"].pk,
                                       "stock_account": chart["stock"].pk, "expense_account": chart["expense"].pk})
    assert response.status_code == 302
    defaults = AccountDefaults.objects.get()
    assert (defaults.sales_account, defaults.cost_account, defaults.stock_account, defaults.expense_account) == (
        chart["revenue"], chart["cogs"], chart["stock"], chart["expense"])
    assert admin_client.get(URL).context["form"].initial["stock_account"] == chart["stock"].pk


def test_it_refuses_staff_and_finance(staff_client, finance_client, chart):
    assert staff_client.get(URL).status_code == 403
    assert finance_client.post(URL, {"sales_account": chart["revenue"].pk}).status_code == 403


def test_it_refuses_a_post_without_a_csrf_token(admin_user, chart):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(URL, {"sales_account": chart["revenue"].pk}).status_code == 403
