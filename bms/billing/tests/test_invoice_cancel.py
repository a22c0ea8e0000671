from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.models import Invoice, InvoiceStatus
from bms.billing.services import payment_record
from bms.testing import factories as f

pytestmark = pytest.mark.django_db


def _cancel(browser, invoice):
    return browser.post(reverse("billing:invoice_cancel", args=[invoice.pk]), follow=True)


def test_it_cancels_an_approved_invoice(admin_client, admin_user, books):
    invoice = f.approved_invoice()
    response = _cancel(admin_client, invoice)
    assert "Invoice AU-000001 cancelled." in response.content.decode()
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert (invoice.status, invoice.cancelled_by) == (InvoiceStatus.CANCELLED, admin_user)


def test_it_refuses_to_cancel_an_invoice_with_payments(finance_client, books):
    invoice = f.approved_invoice()
    payment_record(invoice=invoice, amount=Decimal("10.00"), paid_on=invoice.issued_on)
    response = _cancel(finance_client, invoice)
    assert "has payments against it; reverse them before cancelling." in response.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.APPROVED


def test_it_refuses_to_cancel_a_completed_invoice(finance_client, books):
    invoice = f.approved_invoice()
    payment_record(invoice=invoice, amount=Decimal("550.00"), paid_on=invoice.issued_on)
    response = _cancel(finance_client, invoice)
    assert "is completed; it can&#x27;t become cancelled." in response.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.COMPLETED
