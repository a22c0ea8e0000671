from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.models import PaymentSource
from bms.billing.services import invoice_mark_processed, payment_record, payment_reverse
from bms.testing import factories as f

pytestmark = pytest.mark.django_db


def _page(browser, invoice):
    return browser.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()


def test_it_shows_header_lines_totals_and_the_xero_panel(staff_client, books):
    invoice = f.draft_invoice(lines=[f.line("Lathe", "2", "250.00"), f.line("Delivery", "1", "0.333")],
                              reference="PO-77")
    page = _page(staff_client, invoice)
    for text in ("AU-000001", "Bright Tools Pty Ltd", "23/04/2026", "PO-77", "Set when approved", "Lathe",
                 "Delivery", "41110", "GST on Income", "500.00", "0.33", "550.36", "Xero Integration"):
        assert text in page, text


def test_it_lists_payments_received_including_reversed_ones(staff_client, books):
    invoice = invoice_mark_processed(invoice=f.approved_invoice())
    payment_record(invoice=invoice, amount=Decimal("200.00"), paid_on=invoice.issued_on, reference="EFT 991",
                   source=PaymentSource.XERO)
    reversed_payment = payment_record(invoice=invoice, amount=Decimal("10.00"), paid_on=invoice.issued_on,
                                      source=PaymentSource.XERO)
    payment_reverse(payment=reversed_payment)
    page = _page(staff_client, invoice)
    assert "EFT 991" in page and "200.00" in page and "Reversed" in page
    assert "350.00" in page  # the balance


def test_it_offers_edit_approve_and_cancel_on_a_draft(finance_client, books):
    invoice = f.draft_invoice()
    page = _page(finance_client, invoice)
    for action in ("billing:invoice_edit", "billing:invoice_approve", "billing:invoice_cancel"):
        assert reverse(action, args=[invoice.pk]) in page


def test_it_offers_only_cancel_once_approved(finance_client, books):
    invoice = f.approved_invoice()
    page = _page(finance_client, invoice)
    assert reverse("billing:invoice_cancel", args=[invoice.pk]) in page
    assert reverse("billing:invoice_edit", args=[invoice.pk]) not in page
    assert reverse("billing:invoice_approve", args=[invoice.pk]) not in page


def test_it_offers_no_action_on_a_completed_invoice(finance_client, books):
    invoice = f.approved_invoice()
    payment_record(invoice=invoice, amount=Decimal("550.00"), paid_on=invoice.issued_on)
    page = _page(finance_client, invoice)
    for action in ("billing:invoice_edit", "billing:invoice_approve", "billing:invoice_cancel"):
        assert reverse(action, args=[invoice.pk]) not in page


def test_it_answers_404_for_an_unknown_invoice(staff_client, db):
    assert staff_client.get(reverse("billing:invoice_detail", args=[999])).status_code == 404
