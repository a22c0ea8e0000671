"""Credit made in Xero comes back into BMS (issue 19 item 4), with the payments pull, over HTTP: a
credit note made in Xero against a BMS invoice once per CreditNoteID however often pulls overlap,
its allocation and refunds, a removed allocation or deleted refund reversed, and balances as Xero's."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.models import CreditAllocation, CreditNote, CreditSource, Invoice, Refund
from bms.testing import factories as f
from bms.xero.models import ContactLink, InvoiceLink, PullCursor
from bms.xero.services.payments import payments_pull
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import xero_client
from bms.xero.tests.test_credit_notes_push import part_return, push_all, worked_invoice, xero_credit_notes

pytestmark = pytest.mark.django_db
D = Decimal


def _pull(tenant, *, from_start=False) -> CollectingLog:
    if from_start:  # an overlapping pull: reads everything again
        PullCursor.objects.filter(tenant=tenant).update(modified_since=datetime(2026, 1, 1, tzinfo=UTC))
    log = CollectingLog()
    with xero_client(tenant) as client:
        payments_pull(tenant=tenant, client=client, log=log)
    return log


def _xero_due(sandbox, tenant, invoice) -> Decimal:
    return next(D(str(i["AmountDue"])) for i in sandbox.state()["orgs"][tenant.xero_tenant_id]["invoices"]
                if i["InvoiceNumber"] == invoice.display_number)


def _made_in_xero(sandbox, tenant, invoice) -> dict:
    """A person in Xero credits 4 drill bit sets at 12.35 (Xero's screen takes 2 decimals: 49.40, no
    tax) and 3 glasses (59.97 + 6.00): 115.37, and allocates 100.00 of it to the invoice."""
    contact_id = ContactLink.objects.get(tenant=tenant, customer=invoice.customer).xero_id
    note = sandbox.credit_note_in_xero(tenant.xero_tenant_id, Type="ACCRECCREDIT", CreditNoteNumber="CN-0042",
                                       Contact={"ContactID": contact_id}, Status="AUTHORISED", Date="2026-04-22",
                                       LineAmountTypes="Exclusive", LineItems=[
        {"Description": "Drill bit set", "Quantity": 4, "UnitAmount": 12.35, "AccountCode": "41110",
         "TaxType": "EXEMPTOUTPUT"},
        {"Description": "Safety glasses", "Quantity": 3, "UnitAmount": 19.99, "AccountCode": "41110",
         "TaxType": "OUTPUT"}])
    invoice_id = InvoiceLink.objects.get(invoice=invoice).xero_id
    allocation = sandbox.allocate_in_xero(tenant.xero_tenant_id, note["CreditNoteID"], invoice_id=invoice_id,
                                          amount="100.00", date="2026-04-22")
    return {"note": note, "allocation": allocation}


def sent_and_allocated(tenant, sandbox, entity, credit=part_return):
    """An invoice and its credit note (`credit(invoice)`) sent, the credit allocated in both: the
    invoice, the credit note, Xero's credit note and Xero's allocation of it."""
    invoice = worked_invoice(entity, f.customer())
    push_all(tenant, invoices=[invoice])
    note = credit(invoice)
    push_all(tenant, credit_notes=[note])
    xero_note = xero_credit_notes(sandbox, tenant)[note.display_number]
    [sent] = [a for a in xero_note["Allocations"] if not a.get("IsDeleted")]
    return invoice, note, xero_note, sent


def test_a_credit_note_made_in_xero_comes_back_once_with_its_allocation_and_the_balance_follows(
        connected, sandbox, au_entity, finance_client):
    invoice = worked_invoice(au_entity, f.customer())
    f.tax_rate("EXEMPTOUTPUT", "0", "GST Free Income")
    push_all(connected, invoices=[invoice])
    made = _made_in_xero(sandbox, connected, invoice)

    _pull(connected)
    _pull(connected, from_start=True)  # overlapping pulls: still one

    [note] = CreditNote.objects.filter(source=CreditSource.XERO)
    assert (note.xero_number, note.invoice_id, note.total_amount, note.tax_amount) == (
        "CN-0042", invoice.pk, D("115.37"), D("6.00"))
    assert note.total_amount == D(str(made["note"]["Total"]))  # Xero's figure
    assert note.remaining_credit == D("15.37")
    [allocation] = CreditAllocation.objects.filter(credit_note=note)
    assert (allocation.amount, allocation.source) == (D("100.00"), CreditSource.XERO)
    assert _xero_due(sandbox, connected, invoice) == Invoice.objects.get(pk=invoice.pk).balance_amount == D("1002.37")
    page = finance_client.get(reverse("billing:credit_note_detail", args=[note.pk])).content.decode()
    assert "Made in Xero" in page and "CN-0042" in page

    # A refund of the rest in Xero, then the allocation removed and the refund deleted there.
    refund = sandbox.refund_in_xero(connected.xero_tenant_id, made["note"]["CreditNoteID"], amount="15.37",
                                    date="2026-04-23")
    _pull(connected)
    [recorded] = Refund.objects.filter(credit_note=note)
    assert (recorded.amount, recorded.source, recorded.reversed_at) == (D("15.37"), CreditSource.XERO, None)
    sandbox.delete_payment(connected.xero_tenant_id, refund["PaymentID"])
    sandbox.remove_allocation_in_xero(connected.xero_tenant_id, made["note"]["CreditNoteID"],
                                      made["allocation"]["AllocationID"])
    _pull(connected)
    assert Refund.objects.get(pk=recorded.pk).reversed_at is not None
    assert CreditAllocation.objects.get(pk=allocation.pk).reversed_at is not None
    assert _xero_due(sandbox, connected, invoice) == Invoice.objects.get(pk=invoice.pk).balance_amount == D("1102.37")
    assert CreditNote.objects.get(pk=note.pk).remaining_credit == D("115.37")


def test_a_bms_allocation_removed_in_xero_is_reversed_in_bms_and_one_made_there_is_recorded(
        connected, sandbox, au_entity):
    invoice, note, xero_note, sent = sent_and_allocated(connected, sandbox, au_entity)

    sandbox.remove_allocation_in_xero(connected.xero_tenant_id, xero_note["CreditNoteID"], sent["AllocationID"])
    _pull(connected)

    bms_allocation = note.allocations.get()
    assert bms_allocation.reversed_at is not None
    assert _xero_due(sandbox, connected, invoice) == Invoice.objects.get(pk=invoice.pk).balance_amount == D("1102.37")
    # Allocated again in Xero by a person: recorded once, as made in Xero.
    sandbox.allocate_in_xero(connected.xero_tenant_id, xero_note["CreditNoteID"],
                             invoice_id=InvoiceLink.objects.get(invoice=invoice).xero_id, amount="15.35")
    _pull(connected)
    _pull(connected, from_start=True)
    [again] = note.allocations.filter(reversed_at__isnull=True)
    assert (again.amount, again.source) == (D("15.35"), CreditSource.XERO)
    assert _xero_due(sandbox, connected, invoice) == Invoice.objects.get(pk=invoice.pk).balance_amount == D("1087.02")
    assert CreditNote.objects.filter(source=CreditSource.XERO).count() == 0  # BMS's own credit note stays one
