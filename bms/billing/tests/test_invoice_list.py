from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.services import payment_record
from bms.core.testing import page_link
from bms.testing import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("billing:invoice_list")


def test_it_shows_number_customer_entity_dates_totals_and_status(staff_client, books):
    invoice = f.approved_invoice()
    payment_record(invoice=invoice, amount=Decimal("50.00"), paid_on=invoice.issued_on)
    page = staff_client.get(URL).content.decode()
    for text in ("AU-000001", "Bright Tools Pty Ltd", "Acme AU", "23/04/2026", "550.00", "500.00", "Approved"):
        assert text in page, text


def test_it_filters_by_status_and_entity_and_keeps_the_filters(finance_client, books):
    nz = f.entity("NZ", time_zone="Pacific/Auckland")
    draft = f.draft_invoice()
    approved = f.approved_invoice(on_entity=nz)
    by_status = finance_client.get(URL, {"status": "approved"}).content.decode()
    assert approved.display_number in by_status and draft.display_number not in by_status
    assert '<option value="approved" selected>' in by_status
    by_entity = finance_client.get(URL, {"entity": books["entity"].pk}).content.decode()
    assert draft.display_number in by_entity and approved.display_number not in by_entity


def test_it_searches_by_number_with_the_prefix(finance_client, books):
    first, second = f.draft_invoice(), f.draft_invoice()
    page = finance_client.get(URL, {"q": "au-000002"}).content.decode()
    assert second.display_number in page and first.display_number not in page


def test_it_ignores_an_unknown_status_filter(finance_client, books):
    invoice = f.draft_invoice()
    response = finance_client.get(URL, {"status": "paid", "entity": "abc"})
    assert response.status_code == 200 and invoice.display_number in response.content.decode()


def test_it_paginates(finance_client, books):
    for _ in range(51):
        f.draft_invoice(lines=[])
    response = finance_client.get(URL)
    page = response.content.decode()
    assert "50 shown · 51 rows" in page and "AU-000051" in page and "AU-000001" not in page
    assert "AU-000001" in finance_client.get(URL + page_link(response, "next")).content.decode()
