from datetime import date

import pytest
from django.urls import reverse

from bms.billing.models import Invoice, InvoiceStatus
from bms.billing.services import invoice_cancel
from bms.customers.models import PaymentTermType
from bms.testing import factories as f

pytestmark = pytest.mark.django_db


def _approve(browser, invoice):
    return browser.post(reverse("billing:invoice_approve", args=[invoice.pk]), follow=True)


def test_it_approves_a_draft_with_the_due_date_from_the_terms(finance_client, finance_user, books):
    books["customer"].payment_terms = f.terms(PaymentTermType.DAYS_AFTER_INVOICE_DATE, 30)
    books["customer"].save()
    invoice = f.draft_invoice()
    response = _approve(finance_client, invoice)
    assert "Invoice AU-000001 approved: due 23/05/2026." in response.content.decode()
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert (invoice.status, invoice.due_on, invoice.approved_by) == (
        InvoiceStatus.APPROVED, date(2026, 5, 23), finance_user)


def test_it_explains_an_approval_refused_for_lack_of_lines(finance_client, books):
    invoice = f.draft_invoice(lines=[])
    response = _approve(finance_client, invoice)
    assert "has no lines: add at least one before approving." in response.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT


def test_it_explains_an_illegal_status_change_and_changes_nothing(finance_client, books):
    invoice = invoice_cancel(invoice=f.draft_invoice())
    response = _approve(finance_client, invoice)
    assert "Invoice AU-000001 is cancelled; it can&#x27;t become approved." in response.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.CANCELLED


def test_it_answers_404_for_an_unknown_invoice(finance_client, db):
    assert finance_client.post(reverse("billing:invoice_approve", args=[999])).status_code == 404
