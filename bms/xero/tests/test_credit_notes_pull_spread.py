"""A credit note made in Xero whose credit is allocated across two BMS invoices (issue 19), over HTTP:
Xero has no "invoice it credits", so BMS records it as a credit for the customer with both
allocations, not as the first invoice's credit note (nor keeps it as the first's once the second
is allocated)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.models import CreditNote, CreditSource, Invoice
from bms.billing.services import credit_note_create_from_invoice
from bms.testing import factories as f
from bms.xero.models import ContactLink, InvoiceLink
from bms.xero.tests.test_credit_notes_pull import _pull, _xero_due
from bms.xero.tests.test_credit_notes_push import push_all, worked_invoice, xero_credit_notes

pytestmark = pytest.mark.django_db
D = Decimal


def test_a_credit_note_made_in_xero_across_two_bms_invoices_is_the_customers_credit_with_both_allocations(
        connected, sandbox, au_entity, finance_client):
    customer = f.customer()
    first, second = worked_invoice(au_entity, customer), worked_invoice(au_entity, customer, day=date(2026, 4, 21))
    push_all(connected, invoices=[first, second])
    tenant_id = connected.xero_tenant_id
    made = sandbox.credit_note_in_xero(
        tenant_id, Type="ACCRECCREDIT", CreditNoteNumber="CN-0077", Status="AUTHORISED", Date="2026-04-22",
        Contact={"ContactID": ContactLink.objects.get(tenant=connected, customer=customer).xero_id},
        LineAmountTypes="Exclusive", LineItems=[{"Description": "Volume rebate", "Quantity": 1, "UnitAmount": 300,
                                                 "AccountCode": "41110", "TaxType": "EXEMPTOUTPUT"}])

    def allocate(invoice, amount):
        sandbox.allocate_in_xero(tenant_id, made["CreditNoteID"], invoice_id=InvoiceLink.objects.get(
            invoice=invoice).xero_id, amount=amount, date="2026-04-22")

    allocate(first, "100.00")
    _pull(connected)
    assert CreditNote.objects.get(source=CreditSource.XERO).invoice_id == first.pk  # its credit goes to one invoice
    allocate(second, "150.00")  # and now to a second one too
    _pull(connected)
    _pull(connected, from_start=True)  # overlapping pulls: still one of each

    [note] = CreditNote.objects.filter(source=CreditSource.XERO)
    assert (note.xero_number, note.customer_id, note.entity_id) == ("CN-0077", customer.pk, au_entity.pk)
    assert sorted((a.invoice_id, a.amount, a.source) for a in note.allocations.all()) == [
        (first.pk, D("100.00"), CreditSource.XERO), (second.pk, D("150.00"), CreditSource.XERO)]
    xero_note = xero_credit_notes(sandbox, connected)["CN-0077"]
    assert note.remaining_credit == D(str(xero_note["RemainingCredit"])) == D("50.00")
    assert _xero_due(sandbox, connected, first) == Invoice.objects.get(pk=first.pk).balance_amount == D("1002.37")
    assert _xero_due(sandbox, connected, second) == Invoice.objects.get(pk=second.pk).balance_amount == D("952.37")
    # Neither invoice counts the 300.00 as its own credit note: 1000.00 of the first's 1102.37 can still be
    # credited in BMS (the first's credit notes never pass its total).
    assert credit_note_create_from_invoice(invoice=first, amount=D("1000.00")).total_amount == D("1000.00")
    assert note.invoice_id is None
    page = finance_client.get(reverse("billing:credit_note_detail", args=[note.pk])).content.decode()
    assert "None (a credit for the customer)" in page
    assert first.display_number in page and second.display_number in page  # under Allocated to invoices
