from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from bms.billing.models import Customer, Invoice, InvoiceStatus
from bms.billing.services import invoice_approve
from bms.billing.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup_data():
    entity = f.entity()
    customer = f.customer()
    revenue = f.account()
    gst = f.tax_rate()
    return {"entity": entity, "customer": customer, "revenue": revenue, "gst": gst}


def _invoice_post(data, **lines):
    post = {
        "entity": data["entity"].pk, "customer": data["customer"].pk, "issued_on": "2026-04-23", "currency": "aud",
        "line_amount_type": "Exclusive", "reference": "PO-77",
        "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
    }
    post.update(lines)
    return post


def test_it_lists_and_shows_customers_to_every_role(staff_client, setup_data):
    listing = staff_client.get(reverse("billing:customer_list"), {"q": "bright"})
    assert listing.status_code == 200 and b"Bright Tools" in listing.content
    detail = staff_client.get(reverse("billing:customer_detail", args=[setup_data["customer"].pk]))
    assert detail.status_code == 200 and b"Xero Integration" in detail.content


def test_it_refuses_staff_on_every_billing_write(staff_client, setup_data):
    invoice = f.draft_invoice()
    for url, method in [
        (reverse("billing:customer_create"), "get"),
        (reverse("billing:customer_edit", args=[setup_data["customer"].pk]), "get"),
        (reverse("billing:invoice_create"), "get"),
        (reverse("billing:invoice_edit", args=[invoice.pk]), "get"),
        (reverse("billing:invoice_approve", args=[invoice.pk]), "post"),
        (reverse("billing:invoice_cancel", args=[invoice.pk]), "post"),
    ]:
        assert getattr(staff_client, method)(url).status_code == 403, url
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT


def test_it_creates_a_customer_and_refuses_a_duplicate_code_keeping_the_input(finance_client, setup_data):
    response = finance_client.post(reverse("billing:customer_create"), {"code": "C0002", "name": "Nuts & Bolts",
                                                                         "is_active": "on"})
    assert response.status_code == 302
    assert Customer.objects.filter(code="C0002").exists()
    again = finance_client.post(reverse("billing:customer_create"), {"code": "c0002", "name": "Other Name Pty"})
    assert again.status_code == 200
    assert b"already used" in again.content
    assert b'value="Other Name Pty"' in again.content


def test_it_creates_a_draft_invoice_from_the_form(finance_client, setup_data):
    response = finance_client.post(reverse("billing:invoice_create"), _invoice_post(
        setup_data, **{"lines-0-description": "Lathe", "lines-0-quantity": "2", "lines-0-unit_price": "250",
                       "lines-0-account": setup_data["revenue"].pk, "lines-0-tax_rate": setup_data["gst"].pk},
    ))
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("billing:invoice_detail", args=[invoice.pk])
    assert (invoice.status, invoice.currency, invoice.total_amount) == (InvoiceStatus.DRAFT, "AUD", Decimal("550.00"))


def test_it_fills_a_line_from_its_product(finance_client, setup_data):
    product = f.product(sales_account=setup_data["revenue"], tax_rate=setup_data["gst"])
    finance_client.post(reverse("billing:invoice_create"), _invoice_post(
        setup_data, **{"lines-0-product": product.pk, "lines-0-quantity": "1"}))
    line = Invoice.objects.get().lines.get()
    assert (line.description, line.unit_price, line.account, line.tax_rate) == (
        "Lathe", Decimal("250.0000"), setup_data["revenue"], setup_data["gst"])


def test_it_shows_a_negative_quantity_and_price_at_the_field_and_keeps_the_input(finance_client, setup_data):
    response = finance_client.post(reverse("billing:invoice_create"), _invoice_post(
        setup_data, **{"lines-0-description": "Typed by hand", "lines-0-quantity": "-3", "lines-0-unit_price": "-5",
                       "lines-0-account": setup_data["revenue"].pk},
    ))
    assert response.status_code == 200
    assert b"The quantity must be more than zero." in response.content
    assert b"The unit price can&#x27;t be negative." in response.content
    assert b'value="Typed by hand"' in response.content and b'value="PO-77"' in response.content
    assert not Invoice.objects.exists()


def test_it_refuses_an_invoice_without_lines(finance_client, setup_data):
    response = finance_client.post(reverse("billing:invoice_create"), _invoice_post(setup_data))
    assert response.status_code == 200 and b"Add at least one line." in response.content


def test_it_approves_a_draft_and_refuses_editing_it_afterwards(finance_client, setup_data):
    invoice = f.draft_invoice()
    response = finance_client.post(reverse("billing:invoice_approve", args=[invoice.pk]), follow=True)
    assert b"approved: due" in response.content
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.APPROVED
    edit = finance_client.get(reverse("billing:invoice_edit", args=[invoice.pk]), follow=True)
    assert b"only drafts can be edited" in edit.content


def test_it_explains_an_approval_refused_for_lack_of_lines(finance_client, setup_data):
    invoice = f.draft_invoice()
    invoice.lines.all().delete()
    response = finance_client.post(reverse("billing:invoice_approve", args=[invoice.pk]), follow=True)
    assert b"has no lines" in response.content
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT


def test_it_refuses_an_illegal_status_change_with_a_message(finance_client, setup_data):
    invoice = f.draft_invoice()
    finance_client.post(reverse("billing:invoice_cancel", args=[invoice.pk]))
    response = finance_client.post(reverse("billing:invoice_approve", args=[invoice.pk]), follow=True)
    assert b"is cancelled; it can&#x27;t become approved." in response.content


def test_it_refuses_an_approval_posted_without_csrf(finance_user, setup_data):
    invoice = f.draft_invoice()
    client = Client(enforce_csrf_checks=True)
    client.force_login(finance_user)
    assert client.post(reverse("billing:invoice_approve", args=[invoice.pk])).status_code == 403
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT


def test_it_filters_invoices_by_status_entity_and_number(finance_client, setup_data):
    draft = f.draft_invoice()
    approved = invoice_approve(invoice=f.draft_invoice())
    page = finance_client.get(reverse("billing:invoice_list"), {"status": "approved"})
    assert approved.display_number.encode() in page.content and draft.display_number.encode() not in page.content
    by_number = finance_client.get(reverse("billing:invoice_list"), {"q": draft.display_number})
    assert draft.display_number.encode() in by_number.content
    assert approved.display_number.encode() not in by_number.content
