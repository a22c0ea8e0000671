"""Hostile input through the credit note forms (from an invoice, for a customer, allocate, refund)
and the Credit Notes list's filters: never a 500, never a partial write, a refusal says what is wrong."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from bms.billing.models import CreditAllocation, CreditNote, CreditNoteLine, Invoice, Refund
from bms.billing.services import credit_note_create_standalone, credit_note_release
from bms.billing.services.credit_lines import CreditNoteLineData
from bms.core.testing import persona
from bms.ledger.selectors import account_defaults
from bms.preferences.selectors import general_settings
from bms.testing import factories as f
from tests.hostile.test_forms import EDGE, ERROR_MARKERS, SETTINGS, hostile

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _snapshot():
    return {name: list(model.objects.order_by("pk").values()) for name, model in (
        ("credit_notes", CreditNote), ("lines", CreditNoteLine), ("allocations", CreditAllocation),
        ("refunds", Refund), ("invoices", Invoice))}


@pytest.fixture
def world(db):
    books = {"entity": f.entity("AU"), "customer": f.customer(), "revenue": f.account(), "gst": f.tax_rate()}
    books["invoice"] = f.approved_invoice(lines=[f.line("Lathe", "3", "250.00"), f.line("Bits", "10", "12.345")])
    books["credit_note"] = credit_note_release(credit_note=credit_note_create_standalone(
        customer=books["customer"], entity=books["entity"], issued_on=date(2026, 4, 23), currency="AUD",
        lines=[CreditNoteLineData(description="Rebate", quantity=Decimal("1"), unit_price=Decimal("50.00"),
                                  account=books["revenue"])]))
    account_defaults()
    general_settings()
    client = Client()
    client.force_login(persona("finance"))
    return books, client


def _check(client, url, data):
    before = _snapshot()
    response = client.post(url, data)
    assert response.status_code < 500
    if response.status_code in (200, 400):
        after = _snapshot()
        assert after == before, ("a refused form changed something", response.status_code)
        assert any(marker in response.content for marker in ERROR_MARKERS)
    return response


@SETTINGS
@given(mode=st.one_of(st.sampled_from(["whole", "lines", "amount"]), hostile),
       values=st.lists(hostile, min_size=5, max_size=5))
@example(mode="lines", values=["9" * 40, "-1", "2026-04-30", "", "0.00001"])
@example(mode="amount", values=["", "", "2026-04-30", "", "99999999999999999999.99"])
def test_it_survives_hostile_values_crediting_an_invoice(world, mode, values):
    books, client = world
    invoice = books["invoice"]
    lathe, bits = invoice.lines.order_by("position")
    data = {"mode": mode, f"quantity_{lathe.pk}": values[0], f"quantity_{bits.pk}": values[1],
            "issued_on": values[2], "reference": values[3], "amount": values[4]}
    response = _check(client, reverse("billing:credit_note_from_invoice", args=[invoice.pk]), data)
    if response.status_code == 302:
        created = CreditNote.objects.order_by("-pk").first()
        assert Decimal(0) < created.total_amount <= invoice.total_amount + Decimal("0.02")


@SETTINGS
@given(values=st.lists(hostile, min_size=10, max_size=10))
def test_it_survives_hostile_values_in_a_credit_note_for_a_customer(world, values):
    books, client = world
    data = {"entity": values[0], "customer": books["customer"].pk, "issued_on": values[1], "currency": values[2],
            "line_amount_type": values[3], "reference": values[4], "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0", "lines-0-description": values[5], "lines-0-quantity": values[6],
            "lines-0-unit_price": values[7], "lines-0-account": str(books["revenue"].pk),
            "lines-0-tax_rate": values[8]}
    _check(client, reverse("billing:credit_note_create"), data)


@SETTINGS
@given(invoice=st.one_of(st.just("mine"), hostile), amount=st.one_of(st.sampled_from(EDGE), hostile),
       on=st.one_of(st.just("2026-04-30"), hostile))
@example(invoice="mine", amount="50.01", on="2026-04-30")
@example(invoice="mine", amount="0.001", on="2026-04-30")
def test_it_survives_hostile_allocations(world, invoice, amount, on):
    books, client = world
    data = {"invoice": books["invoice"].pk if invoice == "mine" else invoice, "amount": amount, "allocated_on": on}
    response = _check(client, reverse("billing:credit_allocate", args=[books["credit_note"].pk]), data)
    if response.status_code == 302:
        assert Decimal(0) < CreditAllocation.objects.get().amount <= Decimal("50.00")


@SETTINGS
@given(amount=st.one_of(st.sampled_from(EDGE), hostile), paid_on=hostile, reference=hostile)
def test_it_survives_hostile_refunds(world, amount, paid_on, reference):
    books, client = world
    data = {"amount": amount, "paid_on": paid_on, "reference": reference}
    _check(client, reverse("billing:refund_record", args=[books["credit_note"].pk]), data)


@SETTINGS
@given(params=st.dictionaries(st.sampled_from(["q", "status", "entity", "source", "page"]), hostile, max_size=4))
@example(params={"entity": "9" * 40, "q": "CN-" + "9" * 40})
def test_it_survives_hostile_filters_on_the_credit_notes_list(world, params):
    _, client = world
    assert client.get(reverse("billing:credit_note_list"), params).status_code in (200, 400)
