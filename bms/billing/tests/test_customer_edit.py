import pytest
from django.urls import reverse

from bms.testing import factories as f

pytestmark = pytest.mark.django_db


def test_it_saves_changes(finance_client, books):
    customer = books["customer"]
    response = finance_client.post(reverse("billing:customer_edit", args=[customer.pk]),
                                   {"code": customer.code, "name": "Bright Tools Group", "is_active": "on"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "Bright Tools Group"


def test_it_refuses_another_customers_code_and_keeps_the_saved_heading(finance_client, books):
    other = f.customer("C0002", "Nuts & Bolts")
    response = finance_client.post(reverse("billing:customer_edit", args=[other.pk]),
                                   {"code": books["customer"].code.lower(), "name": "Typed Name"})
    page = response.content.decode()
    assert "is already used" in page and 'value="Typed Name"' in page
    assert "Edit Nuts &amp; Bolts" in page
    other.refresh_from_db()
    assert (other.code, other.name) == ("C0002", "Nuts & Bolts")
