import pytest
from django.test import Client
from django.urls import reverse

from bms.ledger.models import Account

pytestmark = pytest.mark.django_db
CREATE = reverse("ledger:account_create")


def _post(**overrides):
    return {"code": "60000", "name": "Wages", "account_class": "EXPENSE", "account_type": "EXPENSE",
            "status": "ACTIVE", "description": "", "accepts_manual_journals": "on", **overrides}


def test_it_creates_an_account(admin_client):
    response = admin_client.post(CREATE, _post())
    assert response.url == reverse("ledger:account_list")
    account = Account.objects.get(code="60000")
    assert (account.name, account.accepts_manual_journals, account.is_system) == ("Wages", True, False)


def test_it_refuses_a_duplicate_code_at_the_field_and_keeps_the_input(admin_client, chart):
    response = admin_client.post(CREATE, _post(code="41110", name="Typed Name"))
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["code"][0]
    assert b'value="Typed Name"' in response.content and b'value="41110"' in response.content
    assert Account.objects.get(code="41110").name == "Hardware Sale - Machine"


def test_it_shows_a_class_that_does_not_fit_the_type_at_the_class_field(admin_client):
    response = admin_client.post(CREATE, _post(account_class="REVENUE"))
    assert response.context["form"].errors["account_class"] == [
        "Account type Expense belongs to the Expense class in Xero, not Revenue."]
    assert not Account.objects.filter(code="60000").exists()


def test_it_edits_an_account(admin_client, chart):
    url = reverse("ledger:account_edit", args=[chart["expense"].pk])
    assert admin_client.get(url).context["form"].initial["code"] == "57110"
    admin_client.post(url, _post(code="57110", name="Selling Costs"))
    chart["expense"].refresh_from_db()
    assert chart["expense"].name == "Selling Costs"


def test_it_refuses_staff_and_finance(staff_client, finance_client):
    assert staff_client.get(CREATE).status_code == 403
    assert finance_client.post(CREATE, _post()).status_code == 403
    assert not Account.objects.exists()


def test_it_refuses_a_post_without_a_csrf_token(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(CREATE, _post()).status_code == 403
    assert not Account.objects.exists()
