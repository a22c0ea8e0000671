from datetime import date
from decimal import Decimal

import pytest

from bms.billing.models import Invoice, InvoiceStatus, PaymentSource, PaymentTermType
from bms.billing.services import (
    TRANSITIONS,
    InvoiceLineData,
    _transition,
    invoice_approve,
    invoice_cancel,
    invoice_mark_processed,
    invoice_set_balance,
    invoice_update_draft,
    payment_record,
    payment_reverse,
)
from bms.billing.tests import factories as f
from bms.core.errors import DomainError, InvalidTransitionError
from bms.core.money import LineAmountType

D = Decimal
pytestmark = pytest.mark.django_db


def _lines(*specs):
    revenue, gst = f.account(), f.tax_rate()
    return [InvoiceLineData(description, D(qty), D(price), revenue, gst) for description, qty, price in specs]


def test_it_numbers_invoices_per_entity_and_shows_the_prefix():
    au, nz = f.entity("AU"), f.entity("NZ", time_zone="Pacific/Auckland")
    f.customer()
    first = f.draft_invoice(on_entity=au)
    second = f.draft_invoice(on_entity=au)
    other = f.draft_invoice(on_entity=nz)
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert first.display_number == "AU-000001" and other.display_number == "NZ-000001"


def test_it_totals_per_line_the_way_xero_does():
    f.entity()
    f.customer()
    invoice = f.draft_invoice(lines=_lines(("a", "1", "0.333"), ("b", "1", "0.333"), ("c", "1", "0.333")))
    # Each line: 0.33 + tax 0.03. Whole-document rounding would give 1.00 + 0.10.
    assert (invoice.subtotal_amount, invoice.tax_amount, invoice.total_amount) == (D("0.99"), D("0.09"), D("1.08"))
    assert invoice.balance_amount == D("1.08")
    assert [line.tax_amount for line in invoice.lines.all()] == [D("0.03")] * 3


def test_it_totals_inclusive_invoices_from_rounded_lines():
    f.entity()
    f.customer()
    invoice = f.draft_invoice(lines=_lines(("a", "1", "110"), ("b", "1", "9.99")),
                              line_amount_type=LineAmountType.INCLUSIVE)
    assert (invoice.subtotal_amount, invoice.tax_amount, invoice.total_amount) == (D("109.08"), D("10.91"), D("119.99"))


def test_it_sets_the_due_date_from_the_customers_terms_on_approval():
    f.entity()
    f.customer(payment_terms=f.terms(PaymentTermType.OF_FOLLOWING_MONTH, 20))
    invoice = invoice_approve(invoice=f.draft_invoice(issued_on=date(2026, 4, 23)))
    assert invoice.status == InvoiceStatus.APPROVED
    assert invoice.due_on == date(2026, 5, 20)
    assert invoice.approved_at is not None


def test_it_refuses_to_approve_an_invoice_with_no_lines():
    f.entity()
    f.customer()
    invoice = f.draft_invoice()
    invoice.lines.all().delete()
    with pytest.raises(DomainError, match="no lines"):
        invoice_approve(invoice=invoice)
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT


def test_it_refuses_to_edit_an_approved_invoice():
    f.entity()
    f.customer()
    invoice = invoice_approve(invoice=f.draft_invoice())
    with pytest.raises(InvalidTransitionError, match="only drafts can be edited"):
        invoice_update_draft(invoice=invoice, lines=_lines(("x", "1", "1")))


@pytest.mark.parametrize(("quantity", "price", "message"), [("0", "1", "more than zero"), ("-1", "1", "more than zero"),
                                                             ("1", "-0.01", "can't be negative")])
def test_it_refuses_bad_quantities_and_prices(quantity, price, message):
    f.entity()
    f.customer()
    with pytest.raises(DomainError, match=message):
        f.draft_invoice(lines=_lines(("x", quantity, price)))
    assert not Invoice.objects.exists()


ALL = list(InvoiceStatus.values)
LEGAL = [(a, b) for a in ALL for b in ALL if b in TRANSITIONS[a]]
ILLEGAL = [(a, b) for a in ALL for b in ALL if b not in TRANSITIONS[a]]


@pytest.mark.parametrize(("start", "end"), LEGAL)
def test_it_allows_every_legal_lifecycle_transition(start, end):
    invoice = Invoice(status=start, number=1)
    invoice.entity = f.entity()
    _transition(invoice, end)
    assert invoice.status == end


@pytest.mark.parametrize(("start", "end"), ILLEGAL)
def test_it_refuses_every_illegal_lifecycle_transition(start, end):
    invoice = Invoice(status=start, number=1)
    invoice.entity = f.entity()
    with pytest.raises(InvalidTransitionError):
        _transition(invoice, end)
    assert invoice.status == start


def test_it_never_reopens_a_cancelled_invoice_or_cancels_a_completed_one():
    assert TRANSITIONS[InvoiceStatus.CANCELLED] == set()
    assert InvoiceStatus.CANCELLED not in TRANSITIONS[InvoiceStatus.COMPLETED]


def test_it_completes_an_invoice_when_payments_reach_its_total_and_reopens_it_on_reversal():
    f.entity()
    f.customer()
    invoice = invoice_mark_processed(invoice=invoice_approve(invoice=f.draft_invoice()))  # total 550.00
    payment_record(invoice=invoice, amount=D("500.00"), paid_on=date(2026, 5, 1))
    invoice.refresh_from_db()
    assert (invoice.balance_amount, invoice.status) == (D("50.00"), InvoiceStatus.PROCESSED)
    last = payment_record(invoice=invoice, amount=D("50.00"), paid_on=date(2026, 5, 2))
    invoice.refresh_from_db()
    assert (invoice.balance_amount, invoice.status) == (D("0.00"), InvoiceStatus.COMPLETED)
    payment_reverse(payment=last)
    invoice.refresh_from_db()
    assert (invoice.balance_amount, invoice.status) == (D("50.00"), InvoiceStatus.PROCESSED)
    assert invoice.completed_at is None


def test_it_refuses_a_manual_payment_above_the_balance_but_takes_xeros_word():
    f.entity()
    f.customer()
    invoice = invoice_approve(invoice=f.draft_invoice())
    with pytest.raises(DomainError, match="more than"):
        payment_record(invoice=invoice, amount=D("600.00"), paid_on=date(2026, 5, 1))
    invoice_set_balance(invoice=invoice, balance_amount=D("100.00"))  # a credit note in Xero
    payment_record(invoice=invoice, amount=D("100.00"), paid_on=date(2026, 5, 1), source=PaymentSource.XERO)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.COMPLETED


def test_it_refuses_payments_on_drafts_and_cancelling_a_paid_invoice():
    f.entity()
    f.customer()
    draft = f.draft_invoice()
    with pytest.raises(DomainError, match="not approved"):
        payment_record(invoice=draft, amount=D("1.00"), paid_on=date(2026, 5, 1))
    invoice = invoice_approve(invoice=f.draft_invoice())
    payment_record(invoice=invoice, amount=D("1.00"), paid_on=date(2026, 5, 1))
    with pytest.raises(DomainError, match="payments"):
        invoice_cancel(invoice=invoice)


def test_it_cancels_a_draft_and_bumps_the_revision():
    f.entity()
    f.customer()
    invoice = invoice_cancel(invoice=f.draft_invoice())
    assert invoice.status == InvoiceStatus.CANCELLED and invoice.revision == 2
