"""Credit allocated in BMS → Xero, exactly once (issue 19 item 3), against the sandbox over HTTP; and
the payments pull's balance with credit on its way or taken back (BMS's credit neither undone nor
counted twice)."""

from decimal import Decimal

import pytest

from bms.billing.models import Invoice
from bms.billing.services import credit_allocation_reverse
from bms.xero.models import CreditAllocationLink, InvoiceLink, LinkStatus, XeroAttempt
from bms.xero.services.credit_allocations import allocations_due
from bms.xero.services.payments import payments_pull
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import xero_client
from bms.xero.tests.test_credit_notes_push import part_return, push_all, worked_invoice, xero_credit_notes

pytestmark = pytest.mark.django_db
D = Decimal


def _pull(tenant) -> None:
    with xero_client(tenant) as client:
        payments_pull(tenant=tenant, client=client, log=CollectingLog())


def _xero_invoice(sandbox, tenant, invoice) -> dict:
    return next(i for i in sandbox.state()["orgs"][tenant.xero_tenant_id]["invoices"]
                if i["InvoiceNumber"] == invoice.display_number)


def _balances(sandbox, tenant, invoice) -> tuple[Decimal, Decimal]:
    """(Xero's AmountDue, BMS's balance)."""
    xero_due = D(str(_xero_invoice(sandbox, tenant, invoice)["AmountDue"]))
    return xero_due, Invoice.objects.get(pk=invoice.pk).balance_amount


def _live_allocations(sandbox, tenant, note) -> list[dict]:
    return [a for a in xero_credit_notes(sandbox, tenant)[note.display_number]["Allocations"] if not a.get("IsDeleted")]


def test_the_worked_example_allocation_lowers_the_amount_due_to_987_02_in_both_and_a_pull_keeps_it(
        connected, sandbox, au_entity, customer_for_credit):
    invoice = worked_invoice(au_entity, customer_for_credit)
    push_all(connected, invoices=[invoice])
    note = part_return(invoice)  # released: 115.35 allocated to the invoice in BMS
    assert _balances(sandbox, connected, invoice) == (D("1102.37"), D("987.02"))

    _pull(connected)  # Xero does not hold the credit yet: the pull must not undo it
    assert _balances(sandbox, connected, invoice) == (D("1102.37"), D("987.02"))
    assert InvoiceLink.objects.get(invoice=invoice).pull_error == ""

    push_all(connected, credit_notes=[note])

    link = CreditAllocationLink.objects.get(allocation__credit_note=note)
    [sent] = _live_allocations(sandbox, connected, note)
    assert (link.status, link.xero_id, D(str(sent["Amount"]))) == (LinkStatus.SYNCED, sent["AllocationID"], D("115.35"))
    assert _balances(sandbox, connected, invoice) == (D("987.02"), D("987.02"))
    _pull(connected)  # Xero's AmountDue now includes the credit: not counted twice
    assert _balances(sandbox, connected, invoice) == (D("987.02"), D("987.02"))
    # A payment in Xero comes back on top of the credit.
    sandbox.pay_invoice(connected.xero_tenant_id, amount="87.02", invoice_number=invoice.display_number)
    _pull(connected)
    assert _balances(sandbox, connected, invoice) == (D("900.00"), D("900.00"))
    assert not allocations_due(connected).exists()
    push_all(connected, credit_notes=[note])  # sent once: nothing goes again
    assert len(_live_allocations(sandbox, connected, note)) == 1


def test_lost_answers_to_the_credit_note_and_its_allocation_still_leave_one_of_each_in_xero(
        connected, sandbox, au_entity, customer_for_credit):
    invoice = worked_invoice(au_entity, customer_for_credit)
    push_all(connected, invoices=[invoice])
    note = part_return(invoice)
    sandbox.set_faults(connected.xero_tenant_id, drop_rate=1.0)  # every write lands, its answer is lost

    push_all(connected, credit_notes=[note])

    sandbox.clear_faults(connected.xero_tenant_id)
    assert len(xero_credit_notes(sandbox, connected)) == 1
    assert len(_live_allocations(sandbox, connected, note)) == 1  # read back from the credit note, not re-sent
    assert CreditAllocationLink.objects.get(allocation__credit_note=note).status == LinkStatus.SYNCED
    assert XeroAttempt.objects.filter(operation="createCreditNoteAllocation", outcome="uncertain").count() == 1
    assert XeroAttempt.objects.filter(operation="getCreditNote").exists()
    assert _balances(sandbox, connected, invoice) == (D("987.02"), D("987.02"))


def test_a_reversed_allocation_is_removed_in_xero_once_and_the_amount_due_is_restored_in_both(
        connected, sandbox, au_entity, customer_for_credit):
    invoice = worked_invoice(au_entity, customer_for_credit)
    push_all(connected, invoices=[invoice])
    note = part_return(invoice)
    push_all(connected, credit_notes=[note])
    credit_allocation_reverse(allocation=note.allocations.get())
    assert _balances(sandbox, connected, invoice) == (D("987.02"), D("1102.37"))
    _pull(connected)  # Xero still holds the credit BMS took back: the pull must not re-apply it
    assert _balances(sandbox, connected, invoice) == (D("987.02"), D("1102.37"))

    sandbox.set_faults(connected.xero_tenant_id, drop_rate=1.0)  # the DELETE lands, its answer is lost
    push_all(connected, credit_notes=[note])
    sandbox.clear_faults(connected.xero_tenant_id)

    assert _live_allocations(sandbox, connected, note) == []
    link = CreditAllocationLink.objects.get(allocation__credit_note=note)
    assert link.removed_at is not None and link.status == LinkStatus.SYNCED
    deletes = [e for e in sandbox.log(connected.xero_tenant_id) if e["method"] == "DELETE"]
    assert len(deletes) == 2 and deletes[1]["status"] == 404  # sent again after the lost answer: already gone
    _pull(connected)
    assert _balances(sandbox, connected, invoice) == (D("1102.37"), D("1102.37"))
    assert not allocations_due(connected).exists()


@pytest.fixture
def customer_for_credit(db):
    from bms.testing import factories as f

    return f.customer(code="C0190", name="Credit Return Pty Ltd")


def test_an_allocation_xero_refuses_fails_alone_with_xeros_words_and_sync_sends_it_again(
        connected, sandbox, au_entity, customer_for_credit, finance_client):
    from django.urls import reverse

    from bms.jobs.models import Job
    from bms.jobs.services import job_run

    invoice = worked_invoice(au_entity, customer_for_credit)
    push_all(connected, invoices=[invoice])
    note = part_return(invoice)
    paid = sandbox.pay_invoice(connected.xero_tenant_id, amount="1102.37", invoice_number=invoice.display_number)

    _outcome, log = push_all(connected, credit_notes=[note])

    link = CreditAllocationLink.objects.get(allocation__credit_note=note)
    assert link.status == LinkStatus.FAILED and "already been paid off" in link.last_error
    assert any("already been paid off" in line[3] for line in log.lines)
    assert _live_allocations(sandbox, connected, note) == []
    assert not allocations_due(connected).exists()  # the schedule does not resend what Xero refused
    # The payment was a mistake: deleted in Xero, then Sync Credit Note with Xero sends the allocation.
    sandbox.delete_payment(connected.xero_tenant_id, paid["PaymentID"])
    finance_client.post(reverse("xero:credit_note_sync", args=[note.pk]))
    job_run(job_id=Job.objects.get(kind="xero.credit_notes.push").pk)
    assert CreditAllocationLink.objects.get(pk=link.pk).status == LinkStatus.SYNCED
    assert _balances(sandbox, connected, invoice) == (D("987.02"), D("987.02"))
