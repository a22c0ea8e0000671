import pytest
from django.urls import reverse

from bms.customers.models import Customer
from bms.testing import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("billing:customer_create")


def test_it_offers_payment_terms_as_a_select(finance_client):
    f.terms(name="30 days")
    page = finance_client.get(URL).content.decode()
    assert '<select name="payment_terms"' in page and "30 days" in page and "Due on the invoice date" in page


def test_it_creates_a_customer_and_opens_it(finance_client):
    terms = f.terms(name="30 days")
    response = finance_client.post(URL, {"code": "C0002", "name": "Nuts & Bolts", "payment_terms": terms.pk,
                                         "is_active": "on"})
    customer = Customer.objects.get(code="C0002")
    assert response["Location"] == reverse("billing:customer_detail", args=[customer.pk])
    assert customer.payment_terms == terms


def test_it_refuses_a_duplicate_code_at_the_field_and_keeps_the_input(finance_client):
    f.customer("C0002")
    response = finance_client.post(URL, {"code": "c0002", "name": "Other Name Pty", "email": "ap@other.example"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Customer code c0002 is already used." in page
    assert 'value="Other Name Pty"' in page and 'value="ap@other.example"' in page
    assert Customer.objects.count() == 1


def test_it_shows_a_bad_email_at_the_field(finance_client):
    page = finance_client.post(URL, {"code": "C9", "name": "X", "email": "nope"}).content.decode()
    assert "Enter a valid email address." in page and 'value="nope"' in page
