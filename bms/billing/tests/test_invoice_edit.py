from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.models import Invoice
from bms.billing.services import invoice_approve
from bms.testing import factories as f

pytestmark = pytest.mark.django_db


def _url(invoice):
    return reverse("billing:invoice_edit", args=[invoice.pk])


def test_it_shows_the_drafts_lines_for_editing(finance_client, books):
    invoice = f.draft_invoice(lines=[f.line("Lathe", "2", "250.00")])
    page = finance_client.get(_url(invoice)).content.decode()
    assert 'value="Lathe"' in page and 'value="2"' in page and 'value="250"' in page
    assert "Edit draft AU-000001" in page


def test_it_saves_a_draft_with_new_lines(finance_client, books, invoice_form):
    invoice = f.draft_invoice()
    line = {"description": "Drill", "quantity": "1", "unit_price": "99.99", "account": books["revenue"].pk,
            "tax_rate": books["gst"].pk}
    response = finance_client.post(_url(invoice), invoice_form(line, reference="PO-78"))
    assert response["Location"] == reverse("billing:invoice_detail", args=[invoice.pk])
    invoice.refresh_from_db()
    assert (invoice.reference, invoice.total_amount) == ("PO-78", Decimal("109.99"))
    assert [line.description for line in invoice.lines.all()] == ["Drill"]


def test_it_keeps_the_entity_of_a_draft(finance_client, books, invoice_form):
    invoice = f.draft_invoice()
    nz = f.entity("NZ")
    line = {"description": "Drill", "quantity": "1", "unit_price": "1", "account": books["revenue"].pk}
    finance_client.post(_url(invoice), invoice_form(line, entity=nz.pk))
    invoice.refresh_from_db()
    assert (invoice.entity, invoice.number) == (books["entity"], 1)


def test_it_sends_an_approved_invoice_back_with_the_reason(finance_client, books):
    invoice = f.approved_invoice()
    response = finance_client.get(_url(invoice), follow=True)
    assert "Approved invoices can&#x27;t be edited" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("billing:invoice_detail", args=[invoice.pk])


def test_it_refuses_a_post_on_an_invoice_approved_meanwhile_and_keeps_the_input(finance_client, books,
                                                                               invoice_form):
    invoice = f.draft_invoice()
    invoice_approve(invoice=invoice)
    line = {"description": "Typed after approval", "quantity": "1", "unit_price": "1", "account": books["revenue"].pk}
    response = finance_client.post(_url(invoice), invoice_form(line))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Approved invoices can&#x27;t be edited" in page and 'value="Typed after approval"' in page
    assert [line.description for line in Invoice.objects.get(pk=invoice.pk).lines.all()] == ["Lathe"]
