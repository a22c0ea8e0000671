from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from bms.billing.models import CreditAllocation, CreditNote, Invoice, InvoiceStatus, Payment
from bms.customers.models import Customer
from bms.demo.data import seed_demo
from bms.entities.models import Entity
from bms.ledger.models import Account, AccountDefaults
from bms.preferences.selectors import general_settings
from bms.stock.models import Dispatch, DispatchLine, DispatchStatus, Product

pytestmark = pytest.mark.django_db
TODAY = date(2026, 4, 30)


def _fingerprint():
    return {
        "customers": list(Customer.objects.order_by("code").values_list("code", "name", "email")),
        "products": list(Product.objects.order_by("sku").values_list("sku", "unit_cost", "unit_price")),
        "invoices": list(Invoice.objects.order_by("entity__code", "number").values_list(
            "entity__code", "number", "status", "total_amount", "balance_amount")),
        "payments": Payment.objects.count(),
        "dispatches": list(Dispatch.objects.order_by("reference").values_list("reference", "status", "shipped_at")),
        "lines": DispatchLine.objects.count(),
        "accounts": list(Account.objects.order_by("code").values_list("code", "name", "status", "tax_rate__name")),
        "entities": list(Entity.objects.order_by("code").values_list("code", "kind", "time_zone", "prefix")),
    }


def test_it_seeds_once_and_changes_nothing_on_a_second_run_even_on_a_later_day():
    first = seed_demo(today=TODAY)
    before = _fingerprint()
    assert first.created["invoices"] == 300 and first.created["customers"] == 50
    assert seed_demo(today=TODAY).created == {}
    # A later run must not back-fill shipments into days whose journals may already exist.
    assert seed_demo(today=TODAY + timedelta(days=3)).created == {}
    assert _fingerprint() == before


def test_it_covers_what_the_demo_needs():
    seed_demo(today=TODAY)
    assert set(Invoice.objects.values_list("status", flat=True)) == set(InvoiceStatus.values)
    assert {code: name for code, name in Account.objects.filter(
        code__in=["41110", "51110", "14410", "57110"]).values_list("code", "name")} == {
        "41110": "Hardware Sale - Machine", "51110": "Hardware Cost - Machine", "14410": "Stock on Hand",
        "57110": "Sales Expense General"}
    zones = set(Entity.objects.filter(kind="organisation").values_list("time_zone", flat=True))
    assert zones == {"Australia/Sydney", "Pacific/Auckland"}
    assert Entity.objects.filter(kind="branch").count() == 1
    assert Product.objects.count() == 200 and Customer.objects.count() == 50
    assert AccountDefaults.objects.get().stock_account.code == "14410"
    shipped_days = Dispatch.objects.filter(status=DispatchStatus.SHIPPED).dates("shipped_at", "day")
    assert len(shipped_days) >= 30
    completed = Invoice.objects.filter(status=InvoiceStatus.COMPLETED)
    assert all(invoice.balance_amount == 0 for invoice in completed)
    assert general_settings().integration_package == "xero"
    # Credit notes in three states, none allocated: every invoice still owes what it did.
    assert sorted(CreditNote.objects.values_list("status", flat=True)) == ["approved", "approved", "cancelled",
                                                                           "draft"]
    assert not CreditAllocation.objects.exists()


def test_it_lets_the_demo_admin_log_in_with_the_demo_password():
    seed_demo(today=TODAY)
    client = Client()
    response = client.post(reverse("login"), {"username": "admin", "password": "admin"})
    assert response.status_code == 302
    assert client.get(reverse("billing:invoice_list")).status_code == 200
