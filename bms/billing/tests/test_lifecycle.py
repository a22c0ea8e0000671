"""The lifecycle table, every pair of statuses, and the services that walk it."""

from datetime import date
from decimal import Decimal

import pytest

from bms.billing.models import Invoice, InvoiceStatus, PaymentSource
from bms.billing.services import (
    TRANSITIONS,
    invoice_approve,
    invoice_can_become,
    invoice_cancel,
    invoice_mark_processed,
    payment_record,
    payment_reverse,
)
from bms.billing.services.invoices import _transition
from bms.core.errors import InvalidTransitionError
from bms.testing import factories as f

D = Decimal
pytestmark = pytest.mark.django_db

S = InvoiceStatus
ALL = list(S.values)
EXPECTED_LEGAL = {
    (S.DRAFT, S.APPROVED), (S.DRAFT, S.CANCELLED),
    (S.APPROVED, S.PROCESSED), (S.APPROVED, S.COMPLETED), (S.APPROVED, S.CANCELLED),
    (S.PROCESSED, S.COMPLETED), (S.PROCESSED, S.CANCELLED),
    (S.COMPLETED, S.PROCESSED), (S.COMPLETED, S.APPROVED),
}
PAIRS = [(a, b) for a in ALL for b in ALL]


def test_it_has_exactly_the_documented_lifecycle():
    assert {(a, b) for a in TRANSITIONS for b in TRANSITIONS[a]} == EXPECTED_LEGAL
    assert set(TRANSITIONS) == set(ALL)


@pytest.mark.parametrize(("start", "end"), PAIRS)
def test_it_allows_only_legal_transitions_for_every_pair_of_statuses(start, end):
    invoice = Invoice(status=start, number=7, entity=f.entity())
    if (start, end) in EXPECTED_LEGAL:
        _transition(invoice, end)
        assert invoice.status == end
    else:
        with pytest.raises(InvalidTransitionError, match="it can't become"):
            _transition(invoice, end)
        assert invoice.status == start
    assert invoice_can_become(invoice=Invoice(status=start), status=end) == ((start, end) in EXPECTED_LEGAL)


def test_it_refuses_an_unknown_status_with_a_readable_message():
    invoice = Invoice(status=S.DRAFT, number=7, entity=f.entity())
    with pytest.raises(InvalidTransitionError, match="“paid” is not an invoice status"):
        _transition(invoice, "paid")


def test_it_names_the_invoice_and_both_statuses_when_refusing():
    invoice = Invoice(status=S.CANCELLED, number=7, entity=f.entity("AU"))
    with pytest.raises(InvalidTransitionError) as refused:
        _transition(invoice, S.APPROVED)
    assert refused.value.message == "Invoice AU-000007 is cancelled; it can't become approved."


# --- the same lifecycle, walked through the services ----------------------------------------------


def _reload(invoice):
    return Invoice.objects.get(pk=invoice.pk)


def test_it_walks_draft_approved_processed_completed():
    invoice = f.draft_invoice()
    invoice = invoice_approve(invoice=invoice)
    assert invoice.status == S.APPROVED
    invoice = invoice_mark_processed(invoice=invoice)
    assert invoice.status == S.PROCESSED and invoice.processed_at is not None
    payment_record(invoice=invoice, amount=D("550.00"), paid_on=date(2026, 5, 1), source=PaymentSource.XERO)
    invoice = _reload(invoice)
    assert invoice.status == S.COMPLETED and invoice.completed_at is not None


def test_it_completes_an_approved_invoice_paid_before_xero_confirmed_it():
    invoice = f.approved_invoice()
    payment_record(invoice=invoice, amount=D("550.00"), paid_on=date(2026, 5, 1))
    assert _reload(invoice).status == S.COMPLETED
    # The confirmation arriving afterwards is recorded without re-opening the invoice.
    invoice = invoice_mark_processed(invoice=invoice)
    assert invoice.status == S.COMPLETED and invoice.processed_at is not None


def test_it_confirms_a_processed_invoice_again_without_change():
    invoice = invoice_mark_processed(invoice=f.approved_invoice())
    first = invoice.processed_at
    again = invoice_mark_processed(invoice=invoice)
    assert (again.status, again.processed_at) == (S.PROCESSED, first)


@pytest.mark.parametrize("status", [S.DRAFT, S.CANCELLED])
def test_it_refuses_to_mark_processed_an_invoice_that_was_never_released(status):
    invoice = f.draft_invoice()
    if status == S.CANCELLED:
        invoice = invoice_cancel(invoice=invoice)
    with pytest.raises(InvalidTransitionError, match="can't become processed"):
        invoice_mark_processed(invoice=invoice)
    assert _reload(invoice).status == status


@pytest.mark.parametrize("processed", [False, True])
def test_it_reopens_a_completed_invoice_when_its_payment_is_reversed(processed):
    invoice = f.approved_invoice()
    if processed:
        invoice = invoice_mark_processed(invoice=invoice)
    source = PaymentSource.XERO if processed else PaymentSource.MANUAL  # a sent invoice's come from Xero
    payment = payment_record(invoice=invoice, amount=D("550.00"), paid_on=date(2026, 5, 1), source=source)
    payment_reverse(payment=payment)
    invoice = _reload(invoice)
    assert invoice.status == (S.PROCESSED if processed else S.APPROVED)
    assert invoice.completed_at is None


@pytest.mark.parametrize("make", ["draft", "approved", "processed"])
def test_it_cancels_before_completion(make):
    invoice = f.draft_invoice()
    if make != "draft":
        invoice = invoice_approve(invoice=invoice)
    if make == "processed":
        invoice = invoice_mark_processed(invoice=invoice)
    cancelled = invoice_cancel(invoice=invoice)
    assert cancelled.status == S.CANCELLED and cancelled.cancelled_at is not None


def test_it_refuses_to_cancel_a_completed_or_cancelled_invoice():
    paid = f.approved_invoice()
    payment_record(invoice=paid, amount=D("550.00"), paid_on=date(2026, 5, 1))
    with pytest.raises(InvalidTransitionError, match="is completed; it can't become cancelled"):
        invoice_cancel(invoice=paid)
    cancelled = invoice_cancel(invoice=f.draft_invoice())
    with pytest.raises(InvalidTransitionError, match="is cancelled; it can't become cancelled"):
        invoice_cancel(invoice=cancelled)


@pytest.mark.parametrize("make", ["approved", "processed", "cancelled"])
def test_it_refuses_to_approve_anything_but_a_draft(make):
    invoice = f.approved_invoice() if make != "cancelled" else invoice_cancel(invoice=f.draft_invoice())
    if make == "processed":
        invoice = invoice_mark_processed(invoice=invoice)
    before = _reload(invoice)
    with pytest.raises(InvalidTransitionError, match=f"is {make}; it can't become approved"):
        invoice_approve(invoice=invoice)
    after = _reload(invoice)
    assert (after.status, after.approved_at) == (before.status, before.approved_at)
