"""A credit note's page says, per allocation and per refund, what Xero holds of it (issue 19): its
State in Xero, with the message when it failed or is held, against the sandbox over HTTP; nothing
of Xero in those tables when Xero is not the active package; one read per table however many rows."""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bms.billing.services import credit_allocate, credit_allocation_reverse, refund_record
from bms.preferences.models import GeneralSettings, IntegrationPackage
from bms.testing import factories as f
from bms.xero.models import XeroTenant
from bms.xero.tests.conftest import authenticate
from bms.xero.tests.test_credit_allocation_lookup import held_allocation
from bms.xero.tests.test_credit_notes_push import push_all, worked_invoice
from bms.xero.tests.test_refunds_push import _with_payments_scope, goodwill_credit

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 4, 22)


def _tables(client, note) -> tuple[list[str], list[str]]:
    """The rows of Allocated to invoices and of Refunds, as text."""
    page = client.get(reverse("billing:credit_note_detail", args=[note.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    allocations, refunds = content.split('id="allocations"')[1].split('id="refunds"')

    def rows(part: str) -> list[str]:
        table = part.split("</table>")[0]
        return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in table.split("<tr>")[1:]]

    return rows(allocations), rows(refunds)


def test_a_sent_allocation_and_refund_show_in_xero_and_a_reversed_allocation_removed_in_xero(
        admin_client, xero_settings, xero_active, au_entity, sandbox):
    customer = f.customer(code="C0193", name="Shown State Pty Ltd")
    invoice, note = worked_invoice(au_entity, customer), goodwill_credit(au_entity, customer)
    kept = credit_allocate(credit_note=note, invoice=invoice, amount=D("30.00"), on=DAY)
    mistaken = credit_allocate(credit_note=note, invoice=invoice, amount=D("5.00"), on=DAY)
    refund_record(credit_note=note, amount=D("40.00"), paid_on=DAY, reference="Cheque 1001")
    tenant = _with_payments_scope(admin_client, au_entity, sandbox)

    head, first, second = _tables(admin_client, note)[0]
    assert "State in Xero" in head
    assert first.endswith("30.00 Waiting to be sent Reverse") and second.endswith("5.00 Waiting to be sent Reverse")

    push_all(tenant, invoices=[invoice], credit_notes=[note])
    credit_allocation_reverse(allocation=mistaken)
    push_all(tenant, credit_notes=[note])

    (_, first, second), (_, refund) = _tables(admin_client, note)
    assert first.endswith("30.00 In Xero Reverse")
    assert second.startswith("22/04/2026") and "5.00 Removed in Xero Reversed" in second
    assert refund.startswith("22/04/2026 Cheque 1001 Made in BMS 40.00 In Xero")
    assert kept.pk != mistaken.pk

    # Xero is no longer the active package: the tables say nothing of it.
    GeneralSettings.objects.filter(pk=1).update(integration_package=IntegrationPackage.BMS)
    (head, first, second), (refund_head, refund) = _tables(admin_client, note)
    assert "Xero" not in " ".join([head, first, second, refund_head, refund])
    assert first.endswith("30.00 Reverse")


def test_a_refund_with_no_payments_account_chosen_shows_why_it_failed(admin_client, connected, sandbox, au_entity):
    note = goodwill_credit(au_entity, f.customer(code="C0194", name="No Account Pty Ltd"))
    refund_record(credit_note=note, amount=D("40.00"), paid_on=DAY, reference="")
    authenticate(admin_client, au_entity)  # a refund waits: BMS asks for accounting.payments
    XeroTenant.objects.filter(pk=connected.pk).update(payments_account_code="")
    connected.refresh_from_db()

    push_all(connected, credit_notes=[note])

    _, (_, refund) = _tables(admin_client, note)
    assert refund == (
        "22/04/2026 — Made in BMS 40.00 Failed: Not sent: no account is chosen for refunds entered in BMS before "
        "their credit note was sent. Choose it on Connect Xero Organisation for Acme Distribution Pty Ltd, then sync "
        "again. Reverse")


def test_a_held_allocation_shows_what_to_do(connected, sandbox, au_entity, admin_client):
    _invoice, note, _by_hand, _ours, _log = held_allocation(connected, sandbox, au_entity)

    (_, row), _ = _tables(admin_client, note)

    assert row.startswith("22/04/2026")
    assert f"100.00 Held: Not sent again: Xero's credit note {note.display_number} holds more allocations" in row
    assert "In Xero, remove the allocations made by hand on that credit note, then Sync Credit Note with Xero" in row


def _page_queries(client, note) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("billing:credit_note_detail", args=[note.pk])).status_code == 200
    return len(captured)


def test_the_page_reads_the_same_for_one_row_or_four(admin_client, xero_active, au_entity):
    notes = []
    for rows in (1, 4):
        customer = f.customer(code=f"C02{rows}", name=f"Rows {rows} Pty Ltd")
        note = goodwill_credit(au_entity, customer)
        for _ in range(rows):
            credit_allocate(credit_note=note, invoice=worked_invoice(au_entity, customer), amount=D("10.00"), on=DAY)
            refund_record(credit_note=note, amount=D("10.00"), paid_on=DAY, reference="")
        notes.append(note)
    _page_queries(admin_client, notes[0])  # warm: the session, the settings

    one, four = (_page_queries(admin_client, note) for note in notes)

    assert "Waiting to be sent" in " ".join(_tables(admin_client, notes[1])[1][1:])
    assert one == four
