"""Every "View in Xero" link a screen offers (bms/xero/view_in_xero.py) opens a page on the sandbox
showing that record, as it holds it — followed from the screens themselves, over real HTTP."""

import inspect
import re
from datetime import date
from decimal import Decimal
from html import unescape

import httpx2
import pytest
from django.urls import reverse

from bms.billing.services import credit_note_create_from_invoice, credit_note_release
from bms.customers.models import Customer
from bms.testing import factories as f
from bms.testing.journals import journal_chart
from bms.xero import view_in_xero
from bms.xero.models import ContactLink, CreditNoteLink, InvoiceLink, JournalLink
from bms.xero.services.syncs import SyncKind, tenant_sync
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.test_invoices import _released
from bms.xero.tests.test_journals import _journal

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_xero(connected, sandbox, au_entity, xero_settings):
    """A customer, an invoice and a journal of AU, sent to the sandbox; links point at the sandbox,
    as `bms demo` sets them (XERO_WEB_URL)."""
    xero_settings.XERO_WEB_URL = sandbox.base_url
    journal_chart()
    [invoice] = _released(au_entity, [f.customer(code="C0042", name="Harbour Freight Pty Ltd")], 1)
    journal = _journal(au_entity, date(2026, 4, 23))
    for kind in (SyncKind.INVOICES, SyncKind.JOURNALS):  # an invoice push sends its customer first
        tenant_sync(tenant=connected, kind=kind, log=CollectingLog())
    credit_note = credit_note_release(credit_note=credit_note_create_from_invoice(invoice=invoice,
                                                                                 amount=Decimal("10.00")))
    tenant_sync(tenant=connected, kind=SyncKind.CREDIT_NOTES, log=CollectingLog())
    return {"customer": Customer.objects.get(code="C0042"), "invoice": invoice, "journal": journal,
            "credit_note": credit_note}


def _link_on(client, url: str, base: str) -> str:
    page = client.get(url).content.decode()
    links = re.findall(rf'href="({re.escape(base)}[^"]+)"', page)
    assert len(links) == 1, f"one View in Xero link on {url}, found {links}"
    return unescape(links[0])


def _followed(link: str) -> str:
    answer = httpx2.get(link, timeout=5)
    assert answer.status_code == 200, (link, answer.status_code)
    return answer.text


def test_every_link_kind_opens_the_record_on_the_sandbox(admin_client, in_xero, sandbox):
    screens = {  # each link builder, and the screen that offers its link
        "contact_url": reverse("billing:customer_detail", args=[in_xero["customer"].pk]),
        "invoice_url": reverse("billing:invoice_detail", args=[in_xero["invoice"].pk]),
        "journal_url": reverse("cogs:journal_detail", args=[in_xero["journal"].pk]),
        "credit_note_url": reverse("billing:credit_note_detail", args=[in_xero["credit_note"].pk]),
    }
    builders = {name for name, value in inspect.getmembers(view_in_xero, inspect.isfunction)
                if value.__module__ == view_in_xero.__name__}
    assert builders == set(screens), "a new kind of View in Xero link: serve its page on the sandbox, test it here"

    contact = _followed(_link_on(admin_client, screens["contact_url"], sandbox.base_url))
    assert "Harbour Freight Pty Ltd" in contact and "C0042" in contact
    assert ContactLink.objects.get().xero_id in contact

    invoice = _followed(_link_on(admin_client, screens["invoice_url"], sandbox.base_url))
    number = in_xero["invoice"].display_number
    assert f"Invoice {number}" in invoice and "Harbour Freight Pty Ltd" in invoice and "Freight" in invoice
    assert InvoiceLink.objects.get().xero_id in invoice

    journal = _followed(_link_on(admin_client, screens["journal_url"], sandbox.base_url))
    assert in_xero["journal"].reference in journal and JournalLink.objects.get().xero_id in journal

    credit_note = _followed(_link_on(admin_client, screens["credit_note_url"], sandbox.base_url))
    assert f"Credit note {in_xero['credit_note'].display_number}" in credit_note and "10.00" in credit_note
    assert CreditNoteLink.objects.get().xero_id in credit_note


def test_a_link_to_a_record_the_sandbox_lacks_is_a_plain_404(in_xero, sandbox, connected):
    for link in (view_in_xero.invoice_url(connected.short_code, "00000000-0000-0000-0000-000000000000"),
                 view_in_xero.contact_url("!nope", "00000000-0000-0000-0000-000000000000"),
                 view_in_xero.journal_url("", "not-a-journal"),
                 view_in_xero.credit_note_url(connected.short_code, "00000000-0000-0000-0000-000000000000")):
        answer = httpx2.get(link, timeout=5)
        assert answer.status_code == 404 and "Not in the sandbox" in answer.text
