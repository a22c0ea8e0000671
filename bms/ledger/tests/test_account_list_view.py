import pytest
from django.urls import reverse

from bms.core.testing import page_link
from bms.testing import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("ledger:account_list")


def _codes(response) -> list[str]:
    return [account.code for account in response.context["page_obj"]]


def test_it_lists_the_chart_by_code_with_its_columns(admin_client, chart):
    response = admin_client.get(URL)
    for heading in ("Code", "Name", "Account Class", "Account Type", "Tax Rate", "Status"):
        assert f"<th>{heading}</th>".encode() in response.content
    assert _codes(response) == sorted(account.code for account in chart.values())
    assert b"Admin \xe2\x86\x92 Accounts" in response.content


def test_it_searches_by_code_or_name(admin_client, chart):
    assert _codes(admin_client.get(URL, {"q": "stock"})) == ["14410"]
    assert _codes(admin_client.get(URL, {"q": "5711"})) == ["57110"]


def test_it_filters_by_class_and_status(admin_client, chart):
    assert _codes(admin_client.get(URL, {"class": "REVENUE", "status": "ARCHIVED"})) == ["41999"]
    assert len(_codes(admin_client.get(URL, {"class": "nonsense"}))) == len(chart)


def test_it_paginates_the_chart(admin_client):
    for number in range(55):
        f.account(f"{60000 + number}", f"Expense {number}", "EXPENSE", "EXPENSE")
    first = admin_client.get(URL)
    assert len(_codes(first)) == 50 and b"50 shown \xc2\xb7 55 rows" in first.content
    assert _codes(admin_client.get(URL + page_link(first, "next"))) == [f"{60050 + n}" for n in range(5)]


def test_it_offers_new_account_and_account_settings(admin_client):
    content = admin_client.get(URL).content
    assert reverse("ledger:account_create").encode() in content
    assert reverse("ledger:account_defaults").encode() in content


def test_it_refuses_staff_and_finance(staff_client, finance_client):
    assert staff_client.get(URL).status_code == 403
    assert finance_client.get(URL).status_code == 403


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    assert client.get(URL).url.startswith(reverse("login"))
