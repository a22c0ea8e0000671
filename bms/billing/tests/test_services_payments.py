from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from bms.billing.models import Invoice, InvoiceStatus, PaymentSource
from bms.billing.services import (
    invoice_cancel,
    invoice_mark_processed,
    invoice_set_balance,
    payment_record,
    payment_reverse,
)
from bms.core.errors import DomainError
from bms.testing import factories as f

D = Decimal
pytestmark = pytest.mark.django_db
MAY_1 = date(2026, 5, 1)
XERO = PaymentSource.XERO  # a processed invoice's payments come from the accounting system


def _reload(invoice):
    return Invoice.objects.get(pk=invoice.pk)


def test_it_reduces_the_balance_with_each_payment_and_completes_at_zero():
    invoice = invoice_mark_processed(invoice=f.approved_invoice())  # total 550.00
    payment_record(invoice=invoice, amount=D("500.00"), paid_on=MAY_1, reference=" EFT 1 ", source=XERO)
    invoice = _reload(invoice)
    assert (invoice.balance_amount, invoice.status, invoice.completed_at) == (D("50.00"), InvoiceStatus.PROCESSED,
                                                                              None)
    payment_record(invoice=invoice, amount=D("50.00"), paid_on=date(2026, 5, 2), source=XERO)
    invoice = _reload(invoice)
    assert (invoice.balance_amount, invoice.status) == (D("0.00"), InvoiceStatus.COMPLETED)
    assert invoice.completed_at is not None
    assert [p.reference for p in invoice.payments.all()] == ["EFT 1", ""]


def test_it_restores_the_balance_when_a_payment_is_reversed_and_keeps_the_row():
    invoice = invoice_mark_processed(invoice=f.approved_invoice())
    first = payment_record(invoice=invoice, amount=D("500.00"), paid_on=MAY_1, source=XERO)
    last = payment_record(invoice=invoice, amount=D("50.00"), paid_on=MAY_1, source=XERO)
    payment_reverse(payment=last)
    invoice = _reload(invoice)
    assert (invoice.balance_amount, invoice.status, invoice.completed_at) == (D("50.00"), InvoiceStatus.PROCESSED,
                                                                              None)
    payment_reverse(payment=first)
    assert _reload(invoice).balance_amount == D("550.00")
    assert invoice.payments.filter(reversed_at__isnull=False).count() == 2


def test_it_reverses_a_payment_only_once():
    invoice = f.approved_invoice()
    payment = payment_record(invoice=invoice, amount=D("100.00"), paid_on=MAY_1)
    payment_reverse(payment=payment)
    payment_reverse(payment=payment)
    assert _reload(invoice).balance_amount == D("550.00")


@pytest.mark.parametrize(("amount", "message"), [("0", "more than zero"), ("-5.00", "more than zero"),
                                                 ("1.005", "whole cents"), ("550.01", "more than the 550.00")])
def test_it_refuses_a_manual_payment_that_is_not_a_positive_amount_within_the_balance(amount, message):
    invoice = f.approved_invoice()
    with pytest.raises(DomainError, match=message) as refused:
        payment_record(invoice=invoice, amount=D(amount), paid_on=MAY_1)
    assert refused.value.field == "amount"
    assert (_reload(invoice).balance_amount, invoice.payments.count()) == (D("550.00"), 0)


def test_it_takes_xeros_word_for_a_payment_above_the_balance():
    invoice = f.approved_invoice()
    invoice_set_balance(invoice=invoice, balance_amount=D("100.00"))  # a credit note applied in Xero
    payment_record(invoice=invoice, amount=D("150.00"), paid_on=MAY_1, source=PaymentSource.XERO)
    invoice = _reload(invoice)
    assert (invoice.balance_amount, invoice.status) == (D("0.00"), InvoiceStatus.COMPLETED)


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_it_refuses_payments_on_an_invoice_that_is_not_released(status):
    invoice = f.draft_invoice() if status == "draft" else invoice_cancel(invoice=f.draft_invoice())
    with pytest.raises(DomainError, match="only approved invoices can take payments"):
        payment_record(invoice=invoice, amount=D("1.00"), paid_on=MAY_1)


def test_it_refuses_to_cancel_an_invoice_with_payments_until_they_are_reversed():
    invoice = f.approved_invoice()
    payment = payment_record(invoice=invoice, amount=D("1.00"), paid_on=MAY_1)
    with pytest.raises(DomainError, match="has payments against it"):
        invoice_cancel(invoice=invoice)
    assert _reload(invoice).status == InvoiceStatus.APPROVED
    payment_reverse(payment=payment)
    assert invoice_cancel(invoice=invoice).status == InvoiceStatus.CANCELLED


def test_it_sets_the_balance_xero_reports_completing_at_zero_and_reopening_above():
    invoice = invoice_mark_processed(invoice=f.approved_invoice())
    invoice = invoice_set_balance(invoice=invoice, balance_amount=D("0.00"))
    assert (invoice.status, invoice.balance_amount) == (InvoiceStatus.COMPLETED, D("0.00"))
    invoice = invoice_set_balance(invoice=invoice, balance_amount=D("20.00"))
    assert (invoice.status, invoice.balance_amount, invoice.completed_at) == (InvoiceStatus.PROCESSED, D("20.00"),
                                                                             None)


@pytest.mark.parametrize(("balance", "message"), [("-1.00", "can't be negative"), ("550.01", "more than the 550.00")])
def test_it_refuses_a_balance_below_zero_or_above_the_total(balance, message):
    invoice = f.approved_invoice()
    with pytest.raises(DomainError, match=message):
        invoice_set_balance(invoice=invoice, balance_amount=D(balance))


def test_it_refuses_to_set_the_balance_of_a_draft():
    with pytest.raises(DomainError, match="only approved invoices"):
        invoice_set_balance(invoice=f.draft_invoice(), balance_amount=D("0.00"))


def test_it_holds_paid_means_zero_balance_in_the_database():
    invoice = f.approved_invoice()
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.COMPLETED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(balance_amount=D("550.01"))


def test_it_refuses_a_payment_entered_in_bms_on_an_invoice_the_accounting_system_holds():
    invoice = invoice_mark_processed(invoice=f.approved_invoice())
    with pytest.raises(DomainError, match="has been sent to the accounting system, which now owns its payments"):
        payment_record(invoice=invoice, amount=D("50.00"), paid_on=MAY_1)
    invoice = _reload(invoice)
    assert (invoice.balance_amount, invoice.payments.count()) == (D("550.00"), 0)


def test_it_takes_a_payment_entered_in_bms_before_the_invoice_was_sent():
    invoice = f.approved_invoice()
    payment_record(invoice=invoice, amount=D("550.00"), paid_on=MAY_1)
    assert _reload(invoice).status == InvoiceStatus.COMPLETED
