"""A finance admin's credit notes, in Chromium (issue 19, the screens): Billing → Credit Notes; a part
return of two lines with mixed tax, a wrong quantity refused with what was typed kept; release; a
credit for the customer allocated to two invoices, each over-allocation refused with its reason;
Correct this invoice; and the credit note's Xero Integration panel in each of its states, with
Xero's figures (read from the sandbox over HTTP) equal to BMS's."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from bms.billing.models import CreditNote, Invoice, InvoiceLine
from bms.billing.services import (
    InvoiceLineData,
    credit_note_create_from_invoice,
    credit_note_release,
    invoice_approve,
    invoice_create,
)
from bms.core.testing import PASSWORD
from bms.testing import factories as f
from bms.xero import payloads
from bms.xero.models import InvoiceLink, XeroTenant
from bms.xero.tests.conftest import (  # noqa: F401  (fixtures)
    au_entity,
    authenticate,
    connect,
    sandbox,
    xero_active,
    xero_settings,
)
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
D = Decimal


def _invoice(entity, customer, day, lines):
    return invoice_approve(invoice=invoice_create(entity=entity, customer=customer, issued_on=day, currency="AUD",
                                                  lines=[InvoiceLineData(*line) for line in lines]))


def _xero(handle, tenant, collection, number_field):
    held = handle.state()["orgs"][tenant.xero_tenant_id].get(collection, {})
    return {row[number_field]: row for row in (held.values() if isinstance(held, dict) else held)}


def _money(page, label: str) -> Decimal:
    """A figure of the credit note's Totals card, as the user reads it."""
    text = page.locator(".card", has=page.get_by_role("heading", name="Totals")).locator(
        f"dt:text-is('{label}') + dd").inner_text()
    return D(re.sub(r"[^0-9.\-]", "", text.split()[0]))


def _panel(page) -> str:
    return page.locator("section.panel-xero").inner_text()


def _open(page, url, path):
    page.goto(f"{url}{path}")
    page.wait_for_load_state("networkidle")


def _press(page, name):
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state("networkidle")


def _allocate(page, invoice: str | None, amount: str):
    """Fill Allocate credit to an invoice and press Allocate; the form as the page then shows it."""
    heading = page.get_by_role("heading", name="Allocate credit to an invoice")
    form = page.locator("form", has=heading)
    if invoice is not None:
        form.get_by_label("Invoice").select_option(label=invoice)
    form.get_by_label("Amount").fill(amount)
    _press(page, "Allocate")
    return page.locator("form", has=page.get_by_role("heading", name="Allocate credit to an invoice"))


def test_a_finance_admin_credits_allocates_corrects_and_sees_each_credit_note_in_xero(
        page, live_server, sandbox, xero_settings, xero_active, au_entity, finance_user, admin_user,  # noqa: F811
        monkeypatch):
    url = live_server.url
    customer = f.customer(code="C0401", name="Bright Tools Pty Ltd")
    revenue, gst = f.account("41110"), f.tax_rate()
    free = f.tax_rate("EXEMPTOUTPUT", "0", "GST Free Income")
    # The guide's worked example (1102.37), a lathe (275.00), two glasses to correct, and one before go-live.
    worked = _invoice(au_entity, customer, date(2026, 4, 20), [
        ("Lathe", D("3"), D("250.00"), revenue, gst), ("Drill bit set", D("10"), D("12.345"), revenue, free),
        ("Safety glasses", D("7"), D("19.99"), revenue, gst)])
    lathe = _invoice(au_entity, customer, date(2026, 4, 21), [("Lathe", D("1"), D("250.00"), revenue, gst)])
    glasses = _invoice(au_entity, customer, date(2026, 4, 22), [("Safety glasses", D("2"), D("19.99"), revenue, gst)])
    history = _invoice(au_entity, customer, date(2026, 3, 20), [("Lathe", D("1"), D("250.00"), revenue, gst)])
    assert (worked.total_amount, lathe.total_amount, glasses.total_amount) == (D("1102.37"), D("275.00"), D("43.98"))
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations of Correct this invoice
    log_in(page, url, finance_user.username, PASSWORD)

    # Billing → Credit Notes: none yet.
    page.get_by_role("link", name="Credit Notes").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Credit Notes").is_visible()
    assert "No credit notes match." in page.locator("table.grid").inner_text()

    # A part return from the worked invoice: too many drill bit sets first, refused, nothing lost.
    _open(page, url, f"/billing/invoices/{worked.pk}/")
    page.get_by_role("link", name="Credit Note", exact=True).click()
    page.get_by_label("Chosen lines, with quantities").check()
    page.get_by_label("Quantity of Drill bit set to credit").fill("11")
    page.get_by_label("Quantity of Safety glasses to credit").fill("3")
    page.get_by_label("Reference").fill("RMA 118")
    _press(page, "Create draft credit note")
    assert "at most 10 of “Drill bit set” can still be credited (0 of 10 already credited)" in page.content()
    assert page.get_by_label("Chosen lines, with quantities").is_checked()
    assert page.get_by_label("Quantity of Drill bit set to credit").input_value() == "11"
    assert page.get_by_label("Quantity of Safety glasses to credit").input_value() == "3"
    assert page.get_by_label("Reference").input_value() == "RMA 118"
    page.get_by_label("Quantity of Drill bit set to credit").fill("4")
    _press(page, "Create draft credit note")
    assert "Draft credit note CN-AU-000001 created" in page.content()
    # 4 drill bit sets (49.38, no tax) and 3 glasses (59.97 + 6.00): the totals the user reads.
    assert (_money(page, "Subtotal"), _money(page, "Tax"), _money(page, "Total")) == (
        D("109.35"), D("6.00"), D("115.35"))
    assert "Drafts stay in BMS" in _panel(page)
    _press(page, "Release")
    assert "Credit note CN-AU-000001 released." in page.content()
    assert _money(page, "Credit left") == D("0.00")  # all allocated to the invoice it credits
    # Xero is active but the entity is not connected yet: the panel says what to do.
    assert "Connect Acme Distribution Pty Ltd to a Xero organisation under Admin → Entities first." in _panel(page)
    return_note = CreditNote.objects.get(number=1)
    assert Invoice.objects.get(pk=worked.pk).balance_amount == D("987.02")

    # A goodwill credit for the customer alone, allocated to two invoices.
    _open(page, url, "/billing/credit-notes/")
    page.get_by_role("link", name="New Credit Note").click()
    page.get_by_label("Customer").select_option(label=str(customer))
    page.locator("[name=lines-0-description]").fill("Goodwill rebate")
    page.locator("[name=lines-0-quantity]").fill("1")
    page.locator("[name=lines-0-unit_price]").fill("1e30")  # a slip of the keyboard first
    page.locator("[name=lines-0-account]").select_option(label=str(revenue))
    page.locator("[name=lines-0-tax_rate]").select_option(label="GST on Income")
    _press(page, "Save draft")
    assert page.locator("#invoice-lines .field-error").inner_text() == "Enter a unit price below 10,000,000,000."
    assert page.locator("[name=lines-0-description]").input_value() == "Goodwill rebate"
    page.locator("[name=lines-0-unit_price]").fill("300")
    _press(page, "Save draft")
    assert _money(page, "Total") == D("330.00")
    _press(page, "Release")
    goodwill = CreditNote.objects.get(number=2)
    # Nothing chosen, nothing sensible typed: each refused with what to do, one message a field.
    form = _allocate(page, None, "1e30")
    assert [e.inner_text() for e in form.locator(".field-error").all()] == [
        "Choose the invoice to allocate the credit to.", "Enter an amount below 1,000,000,000,000."]
    assert form.get_by_label("Amount").input_value() == "1e30"
    lathe_owes = f"{lathe.display_number} — 275.00 AUD owed"
    assert _allocate(page, lathe_owes, "0").locator(".field-error").inner_text() == "Enter an amount of at least 0.01."
    form = _allocate(page, lathe_owes, "330")
    assert form.locator(".field-error").inner_text() == (
        f"330.00 is more than the 275.00 still owed on invoice {lathe.display_number}: a credit can't take an "
        "invoice below zero.")
    assert form.get_by_label("Amount").input_value() == "330"  # as typed; the message reads it in cents
    assert form.get_by_label("Invoice").locator("option:checked").inner_text() == lathe_owes
    _allocate(page, lathe_owes, "200.00")
    assert f"200.00 of CN-AU-000002 allocated to invoice {lathe.display_number}." in page.content()
    form = _allocate(page, f"{worked.display_number} — 987.02 AUD owed", "200.00")
    assert form.locator(".field-error").inner_text() == "200.00 is more than the 130.00 of credit left on CN-AU-000002."
    _allocate(page, None, "100.00")  # the invoice stays chosen
    assert _money(page, "Credit left") == D("30.00")
    allocations = page.locator("#allocations table.grid").inner_text()
    assert lathe.display_number in allocations and worked.display_number in allocations

    # Correct this invoice: a credit note for all of it, and a new draft with its lines to edit.
    _open(page, url, f"/billing/invoices/{glasses.pk}/")
    _press(page, "Correct this invoice")
    assert f"Invoice {glasses.display_number} corrected: credit note CN-AU-000003 released for it" in page.content()
    assert "Draft" in page.locator("h1").inner_text()
    assert "Safety glasses" in page.locator("main").inner_text()
    assert Invoice.objects.get(pk=glasses.pk).balance_amount == D("0.00")
    _open(page, url, "/billing/credit-notes/")
    listed = page.locator("table.grid tbody").inner_text()
    assert all(f"CN-AU-00000{n}" in listed for n in (1, 2, 3))

    # The admin connects the entity (go-live 1 April 2026): the released credit notes wait to be sent.
    admin = Client()
    admin.force_login(admin_user)
    authenticate(admin, au_entity)
    tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("AU"))
    connect(admin, au_entity, tenant, go_live_on="2026-04-01")
    _open(page, url, f"/billing/credit-notes/{return_note.pk}/")
    assert "Waiting to be sent: the next push sends it to Xero." in _panel(page)

    # The invoices go first, then each credit note on its own button: Sent, with Xero's number and figures.
    _open(page, url, "/billing/invoices/")
    _press(page, "Push released invoices to Xero")
    for note in (return_note, goodwill):
        _open(page, url, f"/billing/credit-notes/{note.pk}/")
        _press(page, "Sync Credit Note with Xero")
        panel = _panel(page)
        note.refresh_from_db()
        xero = _xero(sandbox, tenant, "credit_notes", "CreditNoteNumber")[note.display_number]
        assert "Sent" in panel and xero["CreditNoteNumber"] in panel and xero["CreditNoteID"] in panel
        assert page.locator("section.panel-xero").get_by_role("link", name="View in Xero").is_visible()
        assert (D(str(xero["SubTotal"])), D(str(xero["TotalTax"])), D(str(xero["Total"]))) == (
            _money(page, "Subtotal"), _money(page, "Tax"), _money(page, "Total"))
        assert D(str(xero["RemainingCredit"])) == _money(page, "Credit left")
    assert _money(page, "Credit left") == D("30.00")
    invoices_in_xero = _xero(sandbox, tenant, "invoices", "InvoiceNumber")
    for invoice in (worked, lathe):  # what each still owes, after both credits, is the same in both
        assert D(str(invoices_in_xero[invoice.display_number]["AmountDue"])) == (
            Invoice.objects.get(pk=invoice.pk).balance_amount)
    assert Invoice.objects.get(pk=worked.pk).balance_amount == D("887.02")

    # Differs: Xero applies the account's GST to a drill bit set when the zero-rate tax type is left off.
    original = payloads.credit_note_payload
    monkeypatch.setattr("bms.xero.services.credit_notes.credit_note_payload",
                        lambda *a, **kw: original(*a, **kw).model_copy(update={"line_items": [
                            line.model_copy(update={"tax_type": None}) for line in original(*a, **kw).line_items]}))
    drills = InvoiceLine.objects.get(invoice=worked, description="Drill bit set")
    differs = credit_note_release(credit_note=credit_note_create_from_invoice(
        invoice=worked, lines=[(drills, D("1"))], issued_on=date(2026, 4, 30)))
    _open(page, url, f"/billing/credit-notes/{differs.pk}/")
    _press(page, "Sync Credit Note with Xero")
    xero = _xero(sandbox, tenant, "credit_notes", "CreditNoteNumber")[differs.display_number]
    assert D(str(xero["Total"])) != differs.total_amount
    assert f"Xero's total {D(str(xero['Total'])):.2f} differs from BMS's {differs.total_amount}" in _panel(page)
    assert "Differs" in _panel(page)
    monkeypatch.undo()

    # Before go-live: crediting an invoice dated before it, so never sent.
    before = credit_note_release(credit_note=credit_note_create_from_invoice(invoice=history,
                                                                             issued_on=date(2026, 4, 2)))
    _open(page, url, f"/billing/credit-notes/{before.pk}/")
    _press(page, "Sync Credit Note with Xero")
    panel = _panel(page)
    assert panel.count("Before go-live — not sent") == 1  # the status, then why in plain words
    assert "It credits invoice" in panel
    assert f"invoice {history.display_number}, dated 20/03/2026, before 01/04/2026" in panel
    assert before.display_number not in _xero(sandbox, tenant, "credit_notes", "CreditNoteNumber")

    # Made in Xero: someone credits the lathe in Xero and allocates 50.00 of it; the pull brings it in.
    contact_id = next(c["ContactID"] for c in sandbox.state()["orgs"][tenant.xero_tenant_id]["contacts"]
                      if c["Name"] == customer.name)
    made = sandbox.credit_note_in_xero(tenant.xero_tenant_id, Type="ACCRECCREDIT", CreditNoteNumber="CN-0042",
                                       Contact={"ContactID": contact_id}, Status="AUTHORISED", Date="2026-05-04",
                                       LineAmountTypes="Exclusive", LineItems=[
        {"Description": "Lathe, scratched", "Quantity": 1, "UnitAmount": 60, "AccountCode": "41110",
         "TaxType": "OUTPUT"}])
    sandbox.allocate_in_xero(tenant.xero_tenant_id, made["CreditNoteID"],
                             invoice_id=InvoiceLink.objects.get(invoice=lathe).xero_id, amount="50.00",
                             date="2026-05-04")
    _open(page, url, f"/billing/invoices/{lathe.pk}/")
    _press(page, "Pull payments now")
    _open(page, url, "/billing/credit-notes/?source=xero")
    page.get_by_role("link", name=re.compile("CN-0042")).first.click()
    page.wait_for_load_state("networkidle")
    panel = _panel(page)
    assert "Made in Xero" in panel and "CN-0042" in panel
    assert page.get_by_text("Made in Xero: read-only here.").is_visible()
    assert page.get_by_role("button", name="Sync Credit Note with Xero").count() == 0
    assert page.get_by_role("button", name="Allocate").count() == 0
    held = _xero(sandbox, tenant, "credit_notes", "CreditNoteNumber")["CN-0042"]
    assert (_money(page, "Total"), _money(page, "Credit left")) == (D(str(held["Total"])), D("16.00"))
    assert Invoice.objects.get(pk=lathe.pk).balance_amount == D("25.00") == D(str(
        _xero(sandbox, tenant, "invoices", "InvoiceNumber")[lathe.display_number]["AmountDue"]))

    # Someone revokes BMS's access in Xero: the next credit note waits, and its panel says why and what fixes it.
    sandbox.revoke_grant(sandbox.state()["grants"][0]["grant_id"])
    waiting = credit_note_release(credit_note=credit_note_create_from_invoice(
        invoice=lathe, amount=D("10.00"), issued_on=date(2026, 5, 5)))
    _open(page, url, f"/billing/credit-notes/{waiting.pk}/")
    _press(page, "Sync Credit Note with Xero")
    panel = _panel(page)
    assert "Waiting — Needs re-authentication" in panel and "revoked or expired" in panel
    assert "the next push sends it" not in panel  # it won't, until an admin authenticates again
    assert waiting.display_number not in _xero(sandbox, tenant, "credit_notes", "CreditNoteNumber")
