from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError

from bms.billing import signals
from bms.billing.models import CreditNote, CreditNoteStatus, Invoice, InvoiceStatus
from bms.billing.services import (
    CreditNoteLineData,
    credit_allocate,
    credit_allocation_reverse,
    credit_note_cancel,
    credit_note_create_from_invoice,
    credit_note_create_standalone,
    credit_note_mark_processed,
    credit_note_record_from_xero,
    credit_note_release,
    credit_note_update,
    invoice_cancel,
    invoice_correct,
    payment_record,
    refund_record,
    refund_reverse,
)
from bms.core.errors import DomainError, InvalidTransitionError
from bms.core.models import AuditEvent
from bms.core.money import LineAmountType
from bms.customers.models import Customer
from bms.entities.models import Entity
from bms.testing import factories as f

D = Decimal
ON = date(2026, 4, 30)
NOW = datetime(2026, 4, 30, 2, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_tax_invoice():
    """Released, tax exclusive: 3 lathes at 250.00 + GST, 10 drill bit sets at 12.345 GST-free,
    7 safety glasses at 19.99 + GST. Subtotal 1013.38, tax 75.00 + 13.99 (13.993) = 88.99, 1102.37."""
    invoice = f.approved_invoice(lines=[f.line("Lathe", "3", "250.00"), f.line("Drill bits", "10", "12.345", tax=False),
                                        f.line("Safety glasses", "7", "19.99")])
    assert (invoice.subtotal_amount, invoice.tax_amount, invoice.total_amount) == (D("1013.38"), D("88.99"),
                                                                                 D("1102.37"))
    return invoice


def _lines(invoice):
    return list(invoice.lines.order_by("position"))


def _part_return(invoice):
    _lathe, bits, glasses = _lines(invoice)
    return credit_note_create_from_invoice(invoice=invoice, lines=[(bits, D("4")), (glasses, D("3"))], issued_on=ON)


def _standalone(amount="100.00", customer=None, **extra):
    return credit_note_create_standalone(
        customer=customer or Customer.objects.first() or f.customer(), entity=Entity.objects.first() or f.entity(),
        issued_on=ON, currency="AUD",
        lines=[CreditNoteLineData(description="Goodwill", quantity=D("1"), unit_price=D(amount),
                                  account=f.account(), tax_rate=None)], **extra)


# --- the worked example: a part return of two lines with mixed tax ---------------------------


def test_it_totals_a_part_return_of_two_lines_with_mixed_tax_to_the_cent(mixed_tax_invoice):
    # 4 drill bit sets: 4 × 12.345 = 49.38, no tax. 3 glasses: 59.97, tax 5.997 → 6.00 (per line, half up).
    credit_note = _part_return(mixed_tax_invoice)
    assert [(line.description, line.quantity, line.line_amount, line.tax_amount)
            for line in credit_note.lines.all()] == [("Drill bits", D("4"), D("49.38"), D("0.00")),
                                                     ("Safety glasses", D("3"), D("59.97"), D("6.00"))]
    assert (credit_note.subtotal_amount, credit_note.tax_amount, credit_note.total_amount) == (
        D("109.35"), D("6.00"), D("115.35"))
    assert (credit_note.status, credit_note.remaining_credit, credit_note.currency) == ("draft", D("115.35"), "AUD")
    assert credit_note.line_amount_type == LineAmountType.EXCLUSIVE
    assert [line.invoice_line_id for line in credit_note.lines.all()] == [line.pk for line in
                                                                        _lines(mixed_tax_invoice)[1:]]


def test_it_allocates_a_released_return_to_its_invoice_lowering_what_is_owed(mixed_tax_invoice):
    credit_note = credit_note_release(credit_note=_part_return(mixed_tax_invoice), now=NOW)
    invoice = Invoice.objects.get(pk=mixed_tax_invoice.pk)
    assert invoice.balance_amount == D("1102.37") - D("115.35") == D("987.02")
    assert (credit_note.status, credit_note.remaining_credit, credit_note.completed_at) == ("completed", D("0"), NOW)
    allocation = credit_note.allocations.get()
    assert (allocation.invoice_id, allocation.amount, allocation.allocated_on, allocation.source) == (
        invoice.pk, D("115.35"), ON, "bms")


def test_it_restores_what_is_owed_when_the_allocation_is_reversed(mixed_tax_invoice):
    credit_note = credit_note_release(credit_note=_part_return(mixed_tax_invoice), now=NOW)
    credit_allocation_reverse(allocation=credit_note.allocations.get(), now=NOW)
    assert Invoice.objects.get(pk=mixed_tax_invoice.pk).balance_amount == D("1102.37")
    credit_note.refresh_from_db()
    assert (credit_note.status, credit_note.remaining_credit, credit_note.completed_at) == ("approved",
                                                                                          D("115.35"), None)
    # Reversing twice changes nothing.
    credit_allocation_reverse(allocation=credit_note.allocations.get(), now=NOW)
    assert Invoice.objects.get(pk=mixed_tax_invoice.pk).balance_amount == D("1102.37")


def test_it_refuses_to_allocate_more_than_the_invoice_still_owes_and_says_why():
    invoice = f.approved_invoice()  # 550.00
    payment_record(invoice=invoice, amount=D("500.00"), paid_on=ON)
    credit_note = credit_note_release(credit_note=_standalone("200.00"), now=NOW)
    with pytest.raises(DomainError) as refused:
        credit_allocate(credit_note=credit_note, invoice=invoice, amount=D("60.00"), on=ON)
    assert refused.value.message == (f"60.00 is more than the 50.00 still owed on invoice {invoice.display_number}: a "
                                     "credit can't take an invoice below zero.")
    assert refused.value.field == "amount"
    assert Invoice.objects.get(pk=invoice.pk).balance_amount == D("50.00")
    assert not credit_note.allocations.exists()
    # Up to the balance it goes, and completes the invoice.
    credit_allocate(credit_note=credit_note, invoice=invoice, amount=D("50.00"), on=ON, now=NOW)
    invoice.refresh_from_db()
    assert (invoice.balance_amount, invoice.status) == (D("0.00"), InvoiceStatus.COMPLETED)
    assert CreditNote.objects.get(pk=credit_note.pk).remaining_credit == D("150.00")


def test_it_refuses_to_allocate_more_credit_than_is_left():
    invoice = f.approved_invoice()
    credit_note = credit_note_release(credit_note=_standalone("20.00"), now=NOW)
    with pytest.raises(DomainError, match=r"20.01 is more than the 20.00 of credit left on CN-AU-000001"):
        credit_allocate(credit_note=credit_note, invoice=invoice, amount=D("20.01"), on=ON)


@pytest.mark.parametrize("problem", ["customer", "currency", "draft credit note", "before the invoice", "float"])
def test_it_refuses_allocations_that_break_a_rule(problem):
    invoice = f.approved_invoice()
    other = f.customer(code="C0002", name="Other Co")
    credit_note = _standalone("20.00", customer=other if problem == "customer" else None)
    if problem == "currency":
        CreditNote.objects.filter(pk=credit_note.pk).update(currency="NZD")
    if problem != "draft credit note":
        credit_note = credit_note_release(credit_note=credit_note, now=NOW)
    amount, on = (10.0 if problem == "float" else D("10.00")), (date(2026, 4, 1) if problem == "before the invoice"
                                                                 else ON)
    expected = {"customer": "credit goes to the same customer's invoices only",
                "currency": "credit is allocated in the same currency only",
                "draft credit note": "only a released credit note with credit left can be allocated",
                "before the invoice": "date it on or after 30/04/2026", "float": "never float"}[problem]
    with pytest.raises((DomainError, TypeError), match=expected):
        credit_allocate(credit_note=credit_note, invoice=invoice, amount=amount, on=on)  # type: ignore[arg-type]
    assert Invoice.objects.get(pk=invoice.pk).balance_amount == D("550.00")


def test_it_records_an_allocation_made_in_xero_even_past_bms_figures_stopping_at_zero():
    invoice = f.approved_invoice()
    payment_record(invoice=invoice, amount=D("540.00"), paid_on=ON)
    credit_note = credit_note_release(credit_note=_standalone("20.00"), now=NOW)
    credit_allocate(credit_note=credit_note, invoice=invoice, amount=D("20.00"), on=ON, source="xero", now=NOW)
    invoice.refresh_from_db()
    assert (invoice.balance_amount, invoice.status) == (D("0.00"), InvoiceStatus.COMPLETED)


# --- from an invoice: lines, an amount, the whole ---------------------------------------------


def test_it_never_credits_more_of_a_line_than_was_invoiced_across_credit_notes(mixed_tax_invoice):
    _part_return(mixed_tax_invoice)  # 4 of 10 drill bits, 3 of 7 glasses
    _lathe, bits, glasses = _lines(mixed_tax_invoice)
    with pytest.raises(DomainError) as refused:
        credit_note_create_from_invoice(invoice=mixed_tax_invoice, lines=[(bits, D("7"))], issued_on=ON)
    assert refused.value.message == ("Line 1: at most 6 of “Drill bits” can still be credited (4 of 10 already "
                                     "credited).")
    assert credit_note_create_from_invoice(invoice=mixed_tax_invoice, lines=[(glasses, D("4"))],
                                           issued_on=ON).total_amount == D("87.96")  # 79.96 + 8.00 (7.996)


def test_it_credits_the_rest_of_the_invoice_as_a_whole_to_the_cent(mixed_tax_invoice):
    first = _part_return(mixed_tax_invoice)
    rest = credit_note_create_from_invoice(invoice=mixed_tax_invoice, issued_on=ON)
    assert [(line.description, line.quantity) for line in rest.lines.all()] == [
        ("Lathe", D("3")), ("Drill bits", D("6")), ("Safety glasses", D("4"))]
    # Per-line rounding: the glasses' tax was 13.99 (13.993) on the invoice, 6.00 (5.997) + 8.00 (7.996) credited
    # in two parts, so the two credit notes come to one cent more than the invoice, as Xero computes them too.
    assert (first.total_amount, rest.total_amount) == (D("115.35"), D("987.03"))
    assert first.total_amount + rest.total_amount == mixed_tax_invoice.total_amount + D("0.01")
    with pytest.raises(DomainError, match="already fully credited"):
        credit_note_create_from_invoice(invoice=mixed_tax_invoice, issued_on=ON)
    # A cancelled credit note gives its quantities back.
    credit_note_cancel(credit_note=rest)
    assert credit_note_create_from_invoice(invoice=mixed_tax_invoice, issued_on=ON).total_amount == rest.total_amount


def test_it_spreads_an_amount_over_the_invoice_tax_rates_to_the_cent(mixed_tax_invoice):
    # 1102.37 gross: 825.00 at GST (lathe) + 153.92 at GST (glasses) share one group = 978.92; 123.45 GST-free.
    # 100.00 × 978.92 / 1102.37 = 88.80; the GST-free part takes the rest, 11.20.
    credit_note = credit_note_create_from_invoice(invoice=mixed_tax_invoice, amount=D("100.00"), issued_on=ON)
    assert credit_note.line_amount_type == LineAmountType.INCLUSIVE
    assert [(line.description, line.line_amount, line.tax_amount) for line in credit_note.lines.all()] == [
        (f"Credit on invoice {mixed_tax_invoice} (GST on Income)", D("88.80"), D("8.07")),
        (f"Credit on invoice {mixed_tax_invoice}", D("11.20"), D("0.00"))]
    assert (credit_note.total_amount, credit_note.tax_amount) == (D("100.00"), D("8.07"))


def test_it_refuses_an_amount_above_what_is_left_to_credit(mixed_tax_invoice):
    _part_return(mixed_tax_invoice)
    with pytest.raises(DomainError, match=r"This credit of 1000.00 is more than the 987.02 of invoice"):
        credit_note_create_from_invoice(invoice=mixed_tax_invoice, amount=D("1000.00"), issued_on=ON)


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_it_credits_only_a_released_invoice(status):
    invoice = f.draft_invoice()
    if status == "cancelled":
        invoice_cancel(invoice=invoice)
    with pytest.raises(DomainError, match=f"is {status}: only a released invoice can be credited"):
        credit_note_create_from_invoice(invoice=invoice, issued_on=ON)


def test_it_refuses_a_credit_note_dated_before_its_invoice(mixed_tax_invoice):
    with pytest.raises(DomainError, match="can't be dated before its invoice"):
        credit_note_create_from_invoice(invoice=mixed_tax_invoice, issued_on=date(2026, 4, 1))


def test_it_lets_a_draft_change_within_what_the_invoice_has_left(mixed_tax_invoice):
    credit_note = _part_return(mixed_tax_invoice)
    _lathe, bits, _glasses = _lines(mixed_tax_invoice)
    from bms.billing.services.credit_lines import line_from_invoice_line

    updated = credit_note_update(credit_note=credit_note, lines=[line_from_invoice_line(bits, D("10"))],
                                 reference="Short shipment")
    assert (updated.total_amount, updated.remaining_credit, updated.reference) == (D("123.45"), D("123.45"),
                                                                                   "Short shipment")
    with pytest.raises(DomainError, match="keeps its customer"):
        credit_note_update(credit_note=credit_note, lines=[], customer=f.customer(code="C9", name="Else"))
    credit_note_release(credit_note=updated, now=NOW)
    with pytest.raises(DomainError, match="only drafts can change"):
        credit_note_update(credit_note=updated, lines=[])


# --- numbers and the lifecycle -------------------------------------------------------------------


def test_it_numbers_credit_notes_per_entity_with_their_own_prefix():
    au, nz = f.entity("AU", prefix="SYD-"), f.entity("NZ", prefix="AKL-", credit_note_prefix="NZCR-")
    f.customer()
    f.account()
    first, second = _standalone(), _standalone()
    other = credit_note_create_standalone(customer=first.customer, entity=nz, issued_on=ON, currency="NZD",
                                          lines=[CreditNoteLineData(description="x", quantity=D("1"),
                                                                    unit_price=D("1"), account=f.account())])
    assert (first.entity, first.display_number, second.display_number) == (au, "CN-SYD-000001", "CN-SYD-000002")
    assert (other.display_number, str(other)) == ("NZCR-000001", "NZCR-000001")
    with pytest.raises(IntegrityError):
        CreditNote.objects.create(entity=au, customer=first.customer, number=1, issued_on=ON, currency="AUD")


def test_the_database_refuses_more_credit_left_than_the_total():
    credit_note = _standalone("10.00")
    with pytest.raises(IntegrityError):
        CreditNote.objects.filter(pk=credit_note.pk).update(remaining_credit=D("10.01"))


def test_it_refuses_to_release_a_credit_note_of_nothing_or_twice():
    credit_note = _standalone("0.00")
    with pytest.raises(DomainError, match="credits nothing"):
        credit_note_release(credit_note=credit_note)
    credit_note = credit_note_release(credit_note=_standalone("5.00"), now=NOW)
    with pytest.raises(InvalidTransitionError, match="is released; it can't become released"):
        credit_note_release(credit_note=credit_note)


def test_it_cancels_only_unused_credit_and_says_what_to_reverse_first(mixed_tax_invoice):
    credit_note = credit_note_release(credit_note=_part_return(mixed_tax_invoice), now=NOW)
    with pytest.raises(DomainError, match=f"is allocated to invoice {mixed_tax_invoice}: reverse that allocation"):
        credit_note_cancel(credit_note=credit_note)
    with pytest.raises(DomainError, match="has credit allocated to it; reverse the allocations before cancelling"):
        invoice_cancel(invoice=mixed_tax_invoice)
    credit_allocation_reverse(allocation=credit_note.allocations.get(), now=NOW)
    cancelled = credit_note_cancel(credit_note=credit_note, now=NOW)
    assert (cancelled.status, cancelled.remaining_credit, cancelled.revision, cancelled.cancelled_at) == (
        "cancelled", D("0"), 2, NOW)


def test_it_marks_a_credit_note_processed_once_xero_holds_it():
    credit_note = credit_note_release(credit_note=_standalone("5.00"), now=NOW)
    processed = credit_note_mark_processed(credit_note=credit_note, now=NOW)
    assert (processed.status, processed.processed_at) == ("processed", NOW)
    assert credit_note_mark_processed(credit_note=processed).processed_at == NOW  # confirming again changes nothing
    with pytest.raises(InvalidTransitionError):
        credit_note_mark_processed(credit_note=_standalone("1.00"))


# --- a return after payment: the customer's credit, or a refund ---------------------------------


def test_a_return_after_payment_stays_the_customers_credit_until_refunded():
    invoice = f.approved_invoice()
    payment_record(invoice=invoice, amount=D("550.00"), paid_on=ON)
    credit_note = credit_note_release(
        credit_note=credit_note_create_from_invoice(invoice=invoice, lines=[(invoice.lines.get(), D("1"))],
                                                    issued_on=ON), now=NOW)
    assert (credit_note.status, credit_note.remaining_credit) == ("approved", D("275.00"))
    assert not credit_note.allocations.exists()
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.COMPLETED
    with pytest.raises(DomainError, match=r"275\.01 is more than the 275\.00 of credit left"):
        refund_record(credit_note=credit_note, amount=D("275.01"), paid_on=ON)
    refund = refund_record(credit_note=credit_note, amount=D("275.00"), paid_on=ON, reference="EFT", now=NOW)
    credit_note.refresh_from_db()
    assert (credit_note.status, credit_note.remaining_credit) == ("completed", D("0.00"))
    refund_reverse(refund=refund, now=NOW)
    credit_note.refresh_from_db()
    assert (credit_note.status, credit_note.remaining_credit) == ("approved", D("275.00"))


def test_it_leaves_refunds_of_a_credit_note_xero_holds_to_xero():
    credit_note = credit_note_mark_processed(credit_note=credit_note_release(credit_note=_standalone("5.00")))
    with pytest.raises(DomainError, match="record the refund there"):
        refund_record(credit_note=credit_note, amount=D("5.00"), paid_on=ON)
    refund_record(credit_note=credit_note, amount=D("5.00"), paid_on=ON, source="xero", now=NOW)
    assert CreditNote.objects.get(pk=credit_note.pk).status == CreditNoteStatus.COMPLETED


# --- corrections ---------------------------------------------------------------------------------


def test_correcting_an_invoice_makes_a_credit_note_for_it_and_a_new_draft(mixed_tax_invoice, admin_user):
    credit_note, draft = invoice_correct(invoice=mixed_tax_invoice, user=admin_user, now=NOW)
    original = Invoice.objects.get(pk=mixed_tax_invoice.pk)
    assert (credit_note.status, credit_note.total_amount, credit_note.invoice_id) == (
        "completed", D("1102.37"), original.pk)
    assert (original.status, original.balance_amount, original.total_amount) == ("completed", D("0.00"),
                                                                                 D("1102.37"))
    assert (draft.status, draft.customer_id, draft.total_amount, draft.number) == (
        "draft", original.customer_id, D("1102.37"), original.number + 1)
    assert [(line.description, line.quantity, line.unit_price, line.tax_rate_id) for line in draft.lines.all()] == [
        (line.description, line.quantity, line.unit_price, line.tax_rate_id) for line in original.lines.all()]
    assert AuditEvent.objects.filter(action="billing.invoice_corrected", actor=admin_user).count() == 1


def test_a_correction_that_cannot_make_its_new_invoice_leaves_nothing_behind(mixed_tax_invoice):
    from bms.ledger.models import TaxRate

    TaxRate.objects.update(is_active=False)  # the invoice's GST rate is no longer in use
    with pytest.raises(DomainError, match="no longer in use"):
        invoice_correct(invoice=mixed_tax_invoice)
    assert not CreditNote.objects.exists()
    assert Invoice.objects.count() == 1


# --- signals for the Xero package -------------------------------------------------------------


def test_it_tells_the_apps_above_of_each_change_once_committed(mixed_tax_invoice, django_capture_on_commit_callbacks):
    heard = []

    def listen(signal_name):
        return lambda sender, **kwargs: heard.append((signal_name, kwargs.get("source")))

    receivers = {name: listen(name) for name in ("credit_note_released", "credit_allocated",
                                                  "credit_allocation_reversed", "credit_note_cancelled")}
    for name, receiver in receivers.items():
        getattr(signals, name).connect(receiver, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            credit_note = credit_note_release(credit_note=_part_return(mixed_tax_invoice), now=NOW)
            assert heard == []  # nothing before the commit
        with django_capture_on_commit_callbacks(execute=True):
            credit_allocation_reverse(allocation=credit_note.allocations.get(), now=NOW)
        with django_capture_on_commit_callbacks(execute=True):
            credit_note_cancel(credit_note=credit_note)
    finally:
        for name, receiver in receivers.items():
            getattr(signals, name).disconnect(receiver)
    assert heard == [("credit_note_released", None), ("credit_allocated", "bms"),
                     ("credit_allocation_reversed", "bms"), ("credit_note_cancelled", None)]


# --- made in Xero -----------------------------------------------------------------------------


def _from_xero(invoice, *, credit_note=None, amount="55.00", voided=False):
    return credit_note_record_from_xero(
        entity=invoice.entity, customer=invoice.customer, xero_number="CN-0042", issued_on=ON, currency="AUD",
        line_amount_type=LineAmountType.INCLUSIVE, invoice=invoice, credit_note=credit_note, voided=voided, now=NOW,
        lines=[CreditNoteLineData(description="Damaged in transit", quantity=D("1"), unit_price=D(amount),
                                  account=f.account(), tax_rate=f.tax_rate())])


def test_it_records_a_credit_note_made_in_xero_read_only_with_xeros_number():
    invoice = f.approved_invoice()
    credit_note = _from_xero(invoice)
    assert (credit_note.display_number, credit_note.number, credit_note.source, credit_note.status) == (
        "CN-0042", None, "xero", "processed")
    assert (credit_note.total_amount, credit_note.tax_amount, credit_note.remaining_credit) == (
        D("55.00"), D("5.00"), D("55.00"))
    with pytest.raises(DomainError, match="was made in Xero: allocate it there"):
        credit_allocate(credit_note=credit_note, invoice=invoice, amount=D("55.00"), on=ON)
    credit_allocate(credit_note=credit_note, invoice=invoice, amount=D("55.00"), on=ON, source="xero", now=NOW)
    # The next pull brings the same credit note, changed in Xero: it is updated, not added.
    again = _from_xero(invoice, credit_note=credit_note, amount="66.00")
    assert (CreditNote.objects.count(), again.pk, again.total_amount, again.remaining_credit) == (
        1, credit_note.pk, D("66.00"), D("11.00"))
    with pytest.raises(DomainError, match=r"less than the 55\.00 BMS shows allocated"):
        _from_xero(invoice, credit_note=credit_note, amount="50.00")
    with pytest.raises(DomainError, match="reverse the allocations and refunds Xero removed first"):
        _from_xero(invoice, credit_note=credit_note, voided=True)
    credit_allocation_reverse(allocation=credit_note.allocations.get(), now=NOW)
    assert _from_xero(invoice, credit_note=credit_note, voided=True).status == "cancelled"
    assert Invoice.objects.get(pk=invoice.pk).balance_amount == D("550.00")


def test_it_keeps_a_credit_note_made_in_bms_out_of_the_made_in_xero_path():
    invoice = f.approved_invoice()
    with pytest.raises(DomainError, match="was made in BMS"):
        _from_xero(invoice, credit_note=_standalone())


def test_it_refuses_to_release_a_credit_note_for_an_invoice_cancelled_since():
    invoice = f.approved_invoice()
    draft = credit_note_create_from_invoice(invoice=invoice, issued_on=ON)
    invoice_cancel(invoice=invoice)
    with pytest.raises(DomainError, match="was cancelled after this credit note was drafted"):
        credit_note_release(credit_note=draft)
    assert CreditNote.objects.get(pk=draft.pk).status == CreditNoteStatus.DRAFT


def test_it_keeps_credit_note_prefixes_unique_and_fixed_once_credit_notes_are_numbered():
    from bms.entities.services import entity_create, entity_update

    def _organisation(code, **extra):
        return entity_create(kind="organisation", name=f"Acme {code}", code=code, prefix=f"{code}-", **extra)

    au = _organisation("AU")
    assert au.credit_note_number_prefix == "CN-AU-"
    with pytest.raises(DomainError, match="cn-au- is already used") as refused:
        _organisation("AX", credit_note_prefix=" cn-au- ")
    assert refused.value.field == "credit_note_prefix"
    nz = _organisation("NZ", credit_note_prefix="NZCR-")
    assert nz.credit_note_number_prefix == "NZCR-"
    assert entity_update(entity=nz, credit_note_prefix="").credit_note_number_prefix == "CN-NZ-"
    credit_note_create_standalone(customer=f.customer(), entity=au, issued_on=ON, currency="AUD",
                                  lines=[CreditNoteLineData(description="Rebate", quantity=D("1"),
                                                            unit_price=D("10"), account=f.account())])
    for change, field in (({"credit_note_prefix": "AUCR-"}, "credit_note_prefix"), ({"prefix": "SYD-"}, "prefix")):
        with pytest.raises(DomainError, match=r"already numbered CN-AU-…: their prefix can't change") as refused:
            entity_update(entity=Entity.objects.get(pk=au.pk), **change)
        assert refused.value.field == field
    # Naming the prefix they carry keeps it while the reference prefix changes.
    kept = entity_update(entity=Entity.objects.get(pk=au.pk), credit_note_prefix="CN-AU-", prefix="SYD-")
    assert (kept.prefix, kept.credit_note_number_prefix) == ("SYD-", "CN-AU-")
