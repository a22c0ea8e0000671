import pytest
from django.urls import reverse

from bms.testing import factories as f

pytestmark = pytest.mark.django_db


def test_it_shows_facts_addresses_terms_invoices_and_the_xero_panel(staff_client, books):
    customer = f.customer("C0007", "Acme Pumps", email="ap@pumps.example", tax_number="51 824 753 556",
                          postal_address_line1="PO Box 12", postal_city="Parramatta",
                          street_address_line1="4 Mill Rd", payment_terms=f.terms(name="20th of next month"))
    invoice = f.draft_invoice(for_customer=customer)
    page = staff_client.get(reverse("billing:customer_detail", args=[customer.pk])).content.decode()
    for text in ("Acme Pumps", "ap@pumps.example", "51 824 753 556", "PO Box 12", "Parramatta", "4 Mill Rd",
                 "20th of next month", invoice.display_number, "Xero Integration"):
        assert text in page, text


def test_it_shows_edit_to_finance_only(finance_client, staff_client, books):
    url = reverse("billing:customer_detail", args=[books["customer"].pk])
    edit = reverse("billing:customer_edit", args=[books["customer"].pk])
    assert edit in finance_client.get(url).content.decode()
    assert edit not in staff_client.get(url).content.decode()


def test_it_answers_404_for_an_unknown_customer(staff_client, db):
    assert staff_client.get(reverse("billing:customer_detail", args=[999])).status_code == 404
