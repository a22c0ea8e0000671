"""Billing → Credit Notes and the credit actions on an invoice's page, as a finance user uses them."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.models import CreditNote, CreditNoteStatus, Invoice, InvoiceStatus
from bms.billing.services import (
    credit_note_cancel,
    credit_note_create_from_invoice,
    credit_note_release,
    payment_record,
)
from bms.preferences.models import GeneralSettings, IntegrationPackage
from bms.testing import factories as f

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(books):
    """Released: 3 lathes at 250.00 + GST and 10 drill bit sets at 12.345 GST-free = 948.45."""
    return f.approved_invoice(lines=[f.line("Lathe", "3", "250.00"), f.line("Drill bits", "10", "12.345", tax=False)])


def _credit_post(invoice, mode, **values):
    lathe, bits = invoice.lines.order_by("position")
    data = {"mode": mode, "issued_on": "2026-04-30", "reference": "", "amount": "",
            f"quantity_{lathe.pk}": "", f"quantity_{bits.pk}": ""}
    for name, value in values.items():
        data[f"quantity_{lathe.pk if name == 'lathe' else bits.pk}" if name in ("lathe", "bits") else name] = value
    return data


def test_it_credits_chosen_lines_of_an_invoice_with_quantities(finance_client, invoice):
    url = reverse("billing:credit_note_from_invoice", args=[invoice.pk])
    page = finance_client.get(url).content.decode()
    assert "Left to credit" in page and "The whole invoice" in page
    response = finance_client.post(url, _credit_post(invoice, "lines", lathe="1", bits="4"))
    credit_note = CreditNote.objects.get()
    assert response["Location"] == reverse("billing:credit_note_detail", args=[credit_note.pk])
    # 250.00 + 25.00 tax; 4 × 12.345 = 49.38 GST-free.
    assert (credit_note.status, credit_note.total_amount, credit_note.tax_amount) == ("draft", D("324.38"), D("25.00"))
    detail = finance_client.get(response["Location"]).content.decode()
    assert "CN-AU-000001" in detail and "Xero Integration" in detail and "Release" in detail


def test_it_says_why_a_quantity_is_refused_and_keeps_what_was_typed(finance_client, invoice):
    url = reverse("billing:credit_note_from_invoice", args=[invoice.pk])
    response = finance_client.post(url, _credit_post(invoice, "lines", lathe="4", bits="2"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Line 1: at most 3 of “Lathe” can still be credited (0 of 3 already credited)." in page
    assert 'value="4"' in page and 'value="2"' in page
    assert not CreditNote.objects.exists()


def test_it_credits_an_amount_and_the_whole_invoice(finance_client, invoice):
    url = reverse("billing:credit_note_from_invoice", args=[invoice.pk])
    finance_client.post(url, _credit_post(invoice, "whole"))
    assert CreditNote.objects.get().total_amount == D("948.45")
    page = finance_client.post(url, _credit_post(invoice, "amount", amount="94.85")).content.decode()
    assert f"This credit of 94.85 is more than the 0.00 of invoice {invoice.display_number} not yet credited" in page
    CreditNote.objects.update(status=CreditNoteStatus.CANCELLED, cancelled_at="2026-04-30T00:00Z", remaining_credit=0)
    finance_client.post(url, _credit_post(invoice, "amount", amount="94.85"))
    # An amount takes no quantities back, but the total still bounds what is left: 948.45 - 94.85.
    page = finance_client.post(url, _credit_post(invoice, "whole")).content.decode()
    assert "This credit of 948.45 is more than the 853.60 of invoice" in page
    assert CreditNote.objects.exclude(status="cancelled").get().total_amount == D("94.85")
    response = finance_client.post(url, _credit_post(invoice, "amount", amount=""))
    assert "Enter the amount to credit." in response.content.decode()


def test_releasing_applies_the_credit_and_the_invoice_page_shows_it(finance_client, invoice):
    credit_note = credit_note_create_from_invoice(invoice=invoice, lines=[(invoice.lines.first(), D("1"))],
                                                  issued_on=date(2026, 4, 30))
    finance_client.post(reverse("billing:credit_note_release", args=[credit_note.pk]))
    invoice.refresh_from_db()
    assert invoice.balance_amount == D("948.45") - D("275.00")
    page = finance_client.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    assert "Credit applied" in page and "CN-AU-000001" in page and "275.00" in page


def test_the_allocate_form_says_why_it_refuses_more_than_the_invoice_owes(finance_client, invoice, books):
    payment_record(invoice=invoice, amount=D("900.00"), paid_on=date(2026, 4, 30))
    other = f.approved_invoice(lines=[f.line("Chuck", "1", "100.00")])
    credit_note = credit_note_release(credit_note=credit_note_create_from_invoice(
        invoice=invoice, lines=[(invoice.lines.first(), D("1"))], issued_on=date(2026, 4, 30)))
    # 48.45 went to its own invoice; 226.55 is left for the customer's other invoice (110.00 owed).
    assert credit_note.remaining_credit == D("226.55")
    response = finance_client.post(reverse("billing:credit_allocate", args=[credit_note.pk]),
                                   {"invoice": other.pk, "amount": "120.00", "allocated_on": "2026-04-30"})
    assert response.status_code == 400
    assert (f"120.00 is more than the 110.00 still owed on invoice {other.display_number}: a credit can&#x27;t take "
            "an invoice below zero.") in response.content.decode()
    response = finance_client.post(reverse("billing:credit_allocate", args=[credit_note.pk]),
                                   {"invoice": other.pk, "amount": "110.00", "allocated_on": "2026-04-30"})
    assert response.status_code == 302
    assert Invoice.objects.get(pk=other.pk).status == InvoiceStatus.COMPLETED


def test_a_return_after_payment_is_refunded_from_its_page(finance_client, invoice):
    payment_record(invoice=invoice, amount=D("948.45"), paid_on=date(2026, 4, 30))
    credit_note = credit_note_release(credit_note=credit_note_create_from_invoice(
        invoice=invoice, lines=[(invoice.lines.last(), D("10"))], issued_on=date(2026, 4, 30)))
    page = finance_client.get(reverse("billing:credit_note_detail", args=[credit_note.pk])).content.decode()
    assert "Refund the credit" in page
    # Allocate and Refund both have an Amount: each label must lead to its own field.
    ids = re.findall(r'\bid="(id_[^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert 'for="id_refund_amount"' in page and 'for="id_allocate_amount"' in page
    finance_client.post(reverse("billing:refund_record", args=[credit_note.pk]),
                        {"amount": "123.45", "paid_on": "2026-05-01", "reference": "EFT 991"})
    credit_note.refresh_from_db()
    assert (credit_note.status, credit_note.remaining_credit) == (CreditNoteStatus.COMPLETED, D("0.00"))


def test_correct_this_invoice_makes_both_documents_and_opens_the_new_draft(finance_client, invoice):
    page = finance_client.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    assert "Correct this invoice" in page
    response = finance_client.post(reverse("billing:invoice_correct", args=[invoice.pk]))
    draft = Invoice.objects.get(status=InvoiceStatus.DRAFT)
    assert response["Location"] == reverse("billing:invoice_detail", args=[draft.pk])
    assert CreditNote.objects.get().total_amount == draft.total_amount == D("948.45")
    assert Invoice.objects.get(pk=invoice.pk).balance_amount == D("0.00")


def _credit_buttons(client, invoice) -> tuple[bool, bool, bool]:
    """(Credit Note shown, Correct this invoice shown, the fully-credited line shown) on its page."""
    page = client.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    credit = f'href="{reverse("billing:credit_note_from_invoice", args=[invoice.pk])}"' in page
    return credit, "Correct this invoice" in page, "nothing is left to credit" in page


@pytest.mark.parametrize("how", ["whole", "amount"])
def test_a_fully_credited_invoice_offers_no_credit_note_nor_correction(finance_client, invoice, how):
    assert _credit_buttons(finance_client, invoice) == (True, True, False)
    note = credit_note_create_from_invoice(invoice=invoice, issued_on=date(2026, 4, 30),
                                           **({"amount": D("948.45")} if how == "amount" else {}))
    # A draft takes its share too: nothing is left, so neither button is offered.
    assert _credit_buttons(finance_client, invoice) == (False, False, True)
    # The service still refuses a correction posted anyway, and says why.
    response = finance_client.post(reverse("billing:invoice_correct", args=[invoice.pk]), follow=True)
    assert ("already fully credited" if how == "whole" else "not yet credited") in response.content.decode()
    assert CreditNote.objects.count() == 1 and Invoice.objects.filter(status=InvoiceStatus.DRAFT).count() == 0
    credit_note_cancel(credit_note=note)  # a cancelled credit note gives it back
    assert _credit_buttons(finance_client, invoice) == (True, True, False)


def test_a_part_credited_invoice_still_offers_both(finance_client, invoice):
    credit_note_create_from_invoice(invoice=invoice, lines=[(invoice.lines.first(), D("3"))],
                                    issued_on=date(2026, 4, 30))
    assert _credit_buttons(finance_client, invoice) == (True, True, False)


def test_the_list_filters_and_finds_by_number_or_invoice(finance_client, invoice):
    credit_note_create_from_invoice(invoice=invoice, issued_on=date(2026, 4, 30))
    listing = reverse("billing:credit_note_list")
    assert "CN-AU-000001" in finance_client.get(listing, {"q": "CN-AU-000001"}).content.decode()
    assert "CN-AU-000001" in finance_client.get(listing, {"q": invoice.display_number}).content.decode()
    assert "No credit notes match." in finance_client.get(listing, {"status": "approved"}).content.decode()
    assert "No credit notes match." in finance_client.get(listing, {"source": "xero"}).content.decode()


def test_the_xero_panel_renders_for_a_credit_note_when_xero_is_active(finance_client, invoice):
    GeneralSettings.objects.update_or_create(pk=1, defaults={"integration_package": IntegrationPackage.XERO})
    credit_note = credit_note_create_from_invoice(invoice=invoice, issued_on=date(2026, 4, 30))
    response = finance_client.get(reverse("billing:credit_note_detail", args=[credit_note.pk]))
    assert response.status_code == 200 and "Xero Integration" in response.content.decode()


def test_the_xero_panel_says_a_draft_credit_note_stays_in_bms_until_it_is_released(finance_client, invoice):
    # The sent states (Sent, Waiting, Differs, Before go-live) are in bms/xero/tests/test_credit_notes_push.py.
    GeneralSettings.objects.update_or_create(pk=1, defaults={"integration_package": IntegrationPackage.XERO})
    credit_note = credit_note_create_from_invoice(invoice=invoice, issued_on=date(2026, 4, 30))
    page = finance_client.get(reverse("billing:credit_note_detail", args=[credit_note.pk])).content.decode()
    assert "Drafts stay in BMS: the credit note goes to Xero once it is released." in page
    assert "does not send credit notes" not in page


def test_a_standalone_credit_note_is_made_and_edited_as_a_draft(finance_client, books):
    data = {"entity": books["entity"].pk, "customer": books["customer"].pk, "issued_on": "2026-04-30",
            "currency": "AUD", "line_amount_type": "Exclusive", "reference": "Rebate Q1",
            "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000", "lines-0-description": "Volume rebate", "lines-0-quantity": "1",
            "lines-0-unit_price": "100.00", "lines-0-account": books["revenue"].pk, "lines-0-tax_rate": books["gst"].pk}
    response = finance_client.post(reverse("billing:credit_note_create"), data)
    credit_note = CreditNote.objects.get()
    assert response["Location"] == reverse("billing:credit_note_detail", args=[credit_note.pk])
    assert (credit_note.invoice, credit_note.total_amount, credit_note.reference) == (None, D("110.00"), "Rebate Q1")
    finance_client.post(reverse("billing:credit_note_edit", args=[credit_note.pk]),
                        {**data, "lines-0-unit_price": "200.00"})
    assert CreditNote.objects.get().total_amount == D("220.00")


def test_staff_read_credit_notes_but_change_nothing(staff_client, invoice):
    credit_note = credit_note_create_from_invoice(invoice=invoice, issued_on=date(2026, 4, 30))
    assert staff_client.get(reverse("billing:credit_note_list")).status_code == 200
    page = staff_client.get(reverse("billing:credit_note_detail", args=[credit_note.pk])).content.decode()
    assert reverse("billing:credit_note_release", args=[credit_note.pk]) not in page
    for name, args in [("credit_note_release", [credit_note.pk]), ("credit_note_cancel", [credit_note.pk]),
                       ("credit_allocate", [credit_note.pk]), ("refund_record", [credit_note.pk]),
                       ("invoice_correct", [invoice.pk]), ("credit_note_from_invoice", [invoice.pk]),
                       ("credit_note_create", [])]:
        assert staff_client.post(reverse(f"billing:{name}", args=args)).status_code == 403, name
    assert CreditNote.objects.get().status == CreditNoteStatus.DRAFT
