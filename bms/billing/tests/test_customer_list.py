import pytest
from django.urls import reverse

from bms.core.testing import page_link
from bms.testing import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("billing:customer_list")


def test_it_lists_customers_with_their_terms(staff_client):
    f.customer("C0001", "Bright Tools", payment_terms=f.terms(name="30 days"))
    page = staff_client.get(URL).content.decode()
    assert "Bright Tools" in page and "30 days" in page


def test_it_searches_by_code_name_or_email_and_keeps_the_search(staff_client):
    f.customer("C0001", "Bright Tools", email="ap@bright.example")
    f.customer("C0002", "Nuts & Bolts")
    page = staff_client.get(URL, {"q": "bright.example"}).content.decode()
    assert "Bright Tools" in page and "Nuts &amp; Bolts" not in page
    assert 'value="bright.example"' in page


def test_it_says_when_nothing_matches(staff_client):
    assert "No customer matches" in staff_client.get(URL, {"q": "zzz"}).content.decode()


def test_it_paginates_and_keeps_the_search_across_pages(staff_client):
    for number in range(55):
        f.customer(f"C{number:04d}", f"Customer {number:02d}")
    first = staff_client.get(URL, {"q": "customer"})
    assert "50 shown · 55 rows" in first.content.decode()
    assert page_link(first, "next").startswith("?q=customer&after=")
    second = staff_client.get(URL + page_link(first, "next")).content.decode()
    assert "Customer 54" in second and "Customer 00" not in second
