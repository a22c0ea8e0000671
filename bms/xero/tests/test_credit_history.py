"""Credit never crosses the go-live line (services/credit_history.py): an allocation made in BMS
between a document Xero holds (or will) and one that is history before go-live is refused with
what to do, since Xero could never hold it and the books would disagree for good. Both sides of the
line on their own allocate as before."""

import html
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.models import CreditAllocation, Invoice
from bms.billing.services import (
    CreditNoteLineData,
    credit_allocate,
    credit_note_create_standalone,
    credit_note_release,
)
from bms.core.errors import DomainError
from bms.preferences.models import GeneralSettings, IntegrationPackage
from bms.testing import factories as f
from bms.xero.tests.conftest import connect
from bms.xero.tests.test_credit_notes_push import part_return, worked_invoice

pytestmark = pytest.mark.django_db
D = Decimal


def goodwill(entity, customer, day) -> object:
    note = credit_note_create_standalone(entity=entity, customer=customer, issued_on=day, currency="AUD",
                                         lines=[CreditNoteLineData("Goodwill", D("1"), D("50.00"), f.account("41110"),
                                                                   f.tax_rate())])
    return credit_note_release(credit_note=note)


@pytest.fixture
def books(admin_client, connected, au_entity):
    connect(admin_client, au_entity, connected, go_live_on="2026-04-01")
    customer = f.customer()
    return customer, worked_invoice(au_entity, customer, day=date(2026, 3, 20)), worked_invoice(au_entity, customer)


def test_credit_that_goes_to_xero_is_not_allocated_to_an_invoice_from_before_go_live(
        books, au_entity, finance_client):
    customer, history, current = books
    note = goodwill(au_entity, customer, date(2026, 4, 5))

    with pytest.raises(DomainError) as refused:
        credit_allocate(credit_note=note, invoice=history, amount=D("10.00"), on=date(2026, 4, 6))
    assert (f"Invoice {history.display_number} is dated 20/03/2026, before 01/04/2026" in str(refused.value)
            and "Allocate the credit to an invoice dated on or after 01/04/2026, or refund it." in str(refused.value))

    # On the credit note's page: the reason beside the invoice, the amount as typed, nothing applied.
    response = finance_client.post(reverse("billing:credit_allocate", args=[note.pk]),
                                   {"invoice": history.pk, "amount": "10.00", "allocated_on": "2026-04-06"})
    page = html.unescape(response.content.decode())
    assert f"Invoice {history.display_number} is dated 20/03/2026" in page and 'value="10.00"' in page
    assert not CreditAllocation.objects.filter(credit_note=note).exists()
    assert Invoice.objects.get(pk=history.pk).balance_amount == D("1102.37")

    credit_allocate(credit_note=note, invoice=current, amount=D("10.00"), on=date(2026, 4, 21))  # Xero's side: fine
    assert Invoice.objects.get(pk=current.pk).balance_amount == D("1092.37")


def test_credit_kept_as_history_is_not_allocated_to_an_invoice_that_goes_to_xero(books, au_entity):
    customer, history, current = books
    old_credit = goodwill(au_entity, customer, date(2026, 3, 25))

    with pytest.raises(DomainError) as refused:
        credit_allocate(credit_note=old_credit, invoice=current, amount=D("10.00"), on=date(2026, 4, 21))
    assert f"Credit note {old_credit.display_number} is history kept in BMS" in str(refused.value)

    credit_allocate(credit_note=old_credit, invoice=history, amount=D("10.00"), on=date(2026, 3, 26))
    assert part_return(history, day=date(2026, 4, 5)).allocations.count() == 1  # history credits history


def test_without_xero_active_credit_is_allocated_across_dates_as_before(books, au_entity):
    GeneralSettings.objects.update(integration_package=IntegrationPackage.NONE)
    customer, history, _current = books
    note = goodwill(au_entity, customer, date(2026, 4, 5))
    credit_allocate(credit_note=note, invoice=history, amount=D("10.00"), on=date(2026, 4, 6))
    assert Invoice.objects.get(pk=history.pk).balance_amount == D("1092.37")
