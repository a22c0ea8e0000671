from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError

from bms.billing.models import Invoice, InvoiceStatus
from bms.billing.services import invoice_approve, invoice_create, invoice_update_draft
from bms.core.errors import DomainError, InvalidTransitionError
from bms.core.money import LineAmountType
from bms.customers.models import PaymentTermType
from bms.ledger.models import Account, AccountStatus
from bms.testing import factories as f

D = Decimal
pytestmark = pytest.mark.django_db


# --- numbers ----------------------------------------------------------------------------------


def test_it_numbers_invoices_per_entity_and_shows_the_prefix():
    au, nz = f.entity("AU", prefix="SYD-"), f.entity("NZ", prefix="AKL-", time_zone="Pacific/Auckland")
    f.customer()
    first, second = f.draft_invoice(on_entity=au), f.draft_invoice(on_entity=au)
    other = f.draft_invoice(on_entity=nz)
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert (first.display_number, second.display_number, other.display_number) == (
        "SYD-000001", "SYD-000002", "AKL-000001")
    assert str(other) == "AKL-000001"


def test_it_keeps_numbering_after_the_highest_number_not_the_count():
    au = f.entity("AU")
    f.draft_invoice(on_entity=au)
    Invoice.objects.filter(entity=au).update(number=41)  # e.g. numbers imported from an older system
    assert f.draft_invoice(on_entity=au).number == 42


def test_it_holds_one_number_per_entity_in_the_database():
    invoice = f.draft_invoice()
    with pytest.raises(IntegrityError):
        Invoice.objects.create(entity=invoice.entity, customer=invoice.customer, number=invoice.number,
                               issued_on=date(2026, 4, 23), currency="AUD")


def test_it_takes_the_next_number_when_another_draft_took_it_meanwhile(monkeypatch):
    from bms.billing.services import invoices as services

    first = f.draft_invoice()
    # Simulate a concurrent writer: our read of the highest number is stale by one.
    stale = iter([first.number, first.number + 1])
    monkeypatch.setattr(services, "_next_number", lambda entity: next(stale))
    second = f.draft_invoice()
    assert second.number == first.number + 1


# --- totals, the way Xero rounds ------------------------------------------------------------


def test_it_rounds_each_line_before_adding_them_up_exclusive():
    # 3 lines of 1 × 0.333 at 10 % exclusive. Per line: 0.33 + tax 0.03 = 0.36, three times:
    # subtotal 0.99, tax 0.09, total 1.08. Rounding the document instead (0.999 → 1.00, tax
    # 0.0999 → 0.10) would give 1.10: two cents off what Xero shows.
    invoice = f.draft_invoice(lines=[f.line("a", "1", "0.333"), f.line("b", "1", "0.333"), f.line("c", "1", "0.333")])
    assert (invoice.subtotal_amount, invoice.tax_amount, invoice.total_amount) == (D("0.99"), D("0.09"), D("1.08"))
    assert invoice.balance_amount == D("1.08")
    assert [(line.line_amount, line.tax_amount) for line in invoice.lines.all()] == [(D("0.33"), D("0.03"))] * 3


def test_it_rounds_each_line_before_adding_them_up_inclusive():
    # Inclusive at 10 %: tax = amount × 10/110 per line. 3 × 1.05: tax 0.0954… → 0.10 each,
    # 0.30 in all; the document rounded once would say 3.15 × 10/110 = 0.2863… → 0.29.
    invoice = f.draft_invoice(lines=[f.line("a", "1", "1.05")] * 3, line_amount_type=LineAmountType.INCLUSIVE)
    assert (invoice.subtotal_amount, invoice.tax_amount, invoice.total_amount) == (D("2.85"), D("0.30"), D("3.15"))


def test_it_rounds_quantity_times_price_half_up_per_line():
    # 3 × 0.125 = 0.375 → 0.38 (half up, not banker's 0.38/0.37); tax 0.038 → 0.04.
    invoice = f.draft_invoice(lines=[f.line("a", "3", "0.125")])
    assert (invoice.subtotal_amount, invoice.tax_amount, invoice.total_amount) == (D("0.38"), D("0.04"), D("0.42"))


def test_it_charges_no_tax_on_no_tax_invoices_or_lines_without_a_rate():
    no_tax = f.draft_invoice(lines=[f.line("a", "2", "10")], line_amount_type=LineAmountType.NO_TAX)
    untaxed_line = f.draft_invoice(lines=[f.line("a", "2", "10", tax=False), f.line("b", "1", "10")])
    assert (no_tax.tax_amount, no_tax.total_amount) == (D("0.00"), D("20.00"))
    assert (untaxed_line.tax_amount, untaxed_line.total_amount) == (D("1.00"), D("31.00"))


def test_it_creates_a_draft_in_the_default_currency_with_a_trimmed_reference():
    invoice = invoice_create(entity=f.entity(), customer=f.customer(), issued_on=date(2026, 4, 23),
                             lines=[f.line()], reference="  PO-77 ")
    assert (invoice.status, invoice.currency, invoice.reference, invoice.due_on) == (
        InvoiceStatus.DRAFT, "AUD", "PO-77", None)


def test_it_refuses_a_currency_that_is_not_iso_4217_on_create_and_on_edit():
    with pytest.raises(DomainError, match=r"ZZZ is not an ISO 4217 currency code\.") as refused:
        invoice_create(entity=f.entity(), customer=f.customer(), issued_on=date(2026, 4, 23), lines=[f.line()],
                       currency="zzz")
    assert refused.value.field == "currency" and not Invoice.objects.exists()
    draft = f.draft_invoice(lines=[f.line()])
    with pytest.raises(DomainError, match="ZZZ is not an ISO 4217"):
        invoice_update_draft(invoice=draft, lines=[f.line()], currency="ZZZ")
    draft.refresh_from_db()
    assert draft.currency == "AUD"
    usd = invoice_update_draft(invoice=draft, lines=[f.line()], currency=" usd ")
    assert usd.currency == "USD"


@pytest.mark.parametrize(
    ("quantity", "price", "message"),
    [("0", "1", "the quantity must be more than zero"), ("-1", "1", "the quantity must be more than zero"),
     ("1", "-0.01", "the unit price can't be negative"), ("1.00001", "1", "use at most 4 decimal places")],
)
def test_it_refuses_bad_quantities_and_prices(quantity, price, message):
    with pytest.raises(DomainError, match=f"Line 1: {message}") as refused:
        f.draft_invoice(lines=[f.line("x", quantity, price)])
    assert refused.value.field == "lines"
    assert not Invoice.objects.exists()


def test_it_refuses_floats_for_money():
    line = f.line()
    with pytest.raises(TypeError, match="Decimal"):
        f.draft_invoice(lines=[type(line)("x", 1.5, D("1"), line.account)])


def test_it_refuses_a_line_on_an_archived_or_non_revenue_account():
    archived = f.account("41999", "Old Sales", status=AccountStatus.ARCHIVED)
    bank = f.account("10100", "Operating Account", "ASSET", "BANK", is_bank=True)
    for account in (archived, bank):
        with pytest.raises(DomainError, match=f"account {account.code} .* must be an active revenue account"):
            f.draft_invoice(lines=[f.line(account_row=account)])


def test_it_refuses_an_unknown_currency_code():
    with pytest.raises(DomainError, match="three-letter currency") as refused:
        invoice_create(entity=f.entity(), customer=f.customer(), issued_on=date(2026, 4, 23), lines=[],
                       currency="dollars")
    assert refused.value.field == "currency"


# --- editing drafts -----------------------------------------------------------------------


def test_it_replaces_a_drafts_lines_and_rebuilds_its_totals():
    invoice = f.draft_invoice()
    other = f.customer("C0002", "Nuts & Bolts")
    updated = invoice_update_draft(invoice=invoice, lines=[f.line("Drill", "1", "99.99")], customer=other,
                                   reference="PO-9", currency="nzd")
    assert (updated.customer, updated.reference, updated.currency) == (other, "PO-9", "NZD")
    assert [line.description for line in updated.lines.all()] == ["Drill"]
    assert (updated.total_amount, updated.balance_amount) == (D("109.99"), D("109.99"))


def test_it_refuses_to_edit_an_approved_invoice():
    invoice = f.approved_invoice()
    with pytest.raises(InvalidTransitionError, match="Approved invoices can't be edited"):
        invoice_update_draft(invoice=invoice, lines=[f.line("x", "1", "1")])
    assert [line.description for line in Invoice.objects.get(pk=invoice.pk).lines.all()] == ["Lathe"]


def test_it_refuses_an_edit_from_a_stale_page_after_approval():
    invoice = f.draft_invoice()
    stale = Invoice.objects.get(pk=invoice.pk)  # the page was opened while it was a draft
    invoice_approve(invoice=invoice)
    with pytest.raises(InvalidTransitionError, match="Approved invoices can't be edited"):
        invoice_update_draft(invoice=stale, lines=[f.line("x", "1", "1")])


def test_it_refuses_to_move_a_draft_to_another_entity():
    invoice = f.draft_invoice()
    with pytest.raises(DomainError, match="entity can't change") as refused:
        invoice_update_draft(invoice=invoice, lines=[f.line()], entity=f.entity("NZ"))
    assert refused.value.field == "entity"


# --- approval ----------------------------------------------------------------------------


def test_it_sets_the_due_date_from_the_customers_terms_on_approval():
    f.customer(payment_terms=f.terms(PaymentTermType.OF_FOLLOWING_MONTH, 20))
    now = datetime(2026, 4, 23, 2, 30, tzinfo=UTC)
    invoice = invoice_approve(invoice=f.draft_invoice(issued_on=date(2026, 4, 23)), now=now)
    assert (invoice.status, invoice.due_on, invoice.approved_at) == (InvoiceStatus.APPROVED, date(2026, 5, 20), now)


def test_it_records_who_approved_and_who_cancelled(finance_user):
    from bms.billing.services import invoice_cancel

    invoice = invoice_approve(invoice=f.draft_invoice(), approved_by=finance_user)
    invoice = invoice_cancel(invoice=invoice, cancelled_by=finance_user)
    assert (invoice.approved_by, invoice.cancelled_by) == (finance_user, finance_user)
    assert invoice.revision == 2  # the void is a change for Xero, not a retry


def test_it_refuses_to_approve_an_invoice_with_no_lines():
    invoice = f.draft_invoice(lines=[])
    with pytest.raises(DomainError, match="has no lines: add at least one before approving"):
        invoice_approve(invoice=invoice)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.due_on, invoice.approved_at) == (InvoiceStatus.DRAFT, None, None)


def test_it_refuses_to_approve_when_a_lines_account_was_archived_since():
    invoice = f.draft_invoice()
    Account.objects.filter(code="41110").update(status=AccountStatus.ARCHIVED)
    with pytest.raises(DomainError, match="account 41110"):
        invoice_approve(invoice=invoice)
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT


def test_it_approves_a_zero_total_invoice_as_a_real_document():
    invoice = invoice_approve(invoice=f.draft_invoice(lines=[f.line("Warranty swap", "1", "0")]))
    assert (invoice.status, invoice.total_amount, invoice.balance_amount) == (
        InvoiceStatus.APPROVED, D("0.00"), D("0.00"))
