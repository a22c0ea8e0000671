"""A BMS allocation whose answer was lost, beside one a person made in Xero on the same credit note,
to the same invoice, for the same amount on the same day (issue 19): against the sandbox over HTTP.
Xero's allocation carries no reference of ours, so the push and the pull share one rule
(services/credit_allocations.py `landed_as`): what the credit note held before the send is never
ours, and when more match than BMS sent, BMS holds its allocation and says what to do — nothing
taken from the person, nothing allocated twice."""

from datetime import date
from decimal import Decimal

import pytest

from bms.billing.models import CreditAllocation, CreditNote, CreditSource, Invoice
from bms.billing.services import (
    CreditNoteLineData,
    credit_allocate,
    credit_note_create_standalone,
    credit_note_release,
)
from bms.testing import factories as f
from bms.xero.client.errors import UncertainError
from bms.xero.client.schemas import InvoiceRef
from bms.xero.client.schemas_credit import Allocation
from bms.xero.models import CreditAllocationLink, CreditNoteLink, InvoiceLink, LinkStatus, XeroAttempt
from bms.xero.services.credit_allocations import CAUSE_AMBIGUOUS
from bms.xero.services.payments import payments_pull
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import xero_client
from bms.xero.tests.test_credit_notes_push import part_return, push_all, worked_invoice, xero_credit_notes

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 4, 22)


def _pull(tenant) -> None:
    with xero_client(tenant) as client:
        payments_pull(tenant=tenant, client=client, log=CollectingLog())


def _goodwill_credit(invoice: Invoice) -> CreditNote:
    """250.00 of credit for the invoice's customer, against no invoice, released and in Xero."""
    line = CreditNoteLineData(description="Goodwill", quantity=D("1"), unit_price=D("250.00"),
                              account=f.account("41110"), tax_rate=f.tax_rate("EXEMPTOUTPUT", "0", "GST Free Income"))
    return credit_note_release(credit_note=credit_note_create_standalone(
        customer=invoice.customer, entity=invoice.entity, lines=[line], issued_on=date(2026, 4, 21)))


def _same_allocation_twice(connected, sandbox, au_entity) -> tuple[Invoice, CreditNote, str, CreditAllocation]:
    """The credit note in Xero; a person allocates 100.00 of it to the invoice there on DAY, and a
    BMS user allocates the same 100.00 on DAY in BMS."""
    invoice = worked_invoice(au_entity, f.customer(code="C0191", name="Same Day Pty Ltd"))
    note = _goodwill_credit(invoice)
    push_all(connected, invoices=[invoice], credit_notes=[note])
    by_hand = sandbox.allocate_in_xero(connected.xero_tenant_id, CreditNoteLink.objects.get(credit_note=note).xero_id,
                                       invoice_id=InvoiceLink.objects.get(invoice=invoice).xero_id, amount="100.00",
                                       date=DAY.isoformat())
    ours = credit_allocate(credit_note=note, invoice=invoice, amount=D("100.00"), on=DAY)
    return invoice, note, by_hand["AllocationID"], ours


def _live(sandbox, tenant, note) -> set[str]:
    return {a["AllocationID"] for a in xero_credit_notes(sandbox, tenant)[note.display_number]["Allocations"]
            if not a.get("IsDeleted")}


def _due_and_credit(sandbox, tenant, invoice, note) -> tuple[tuple[Decimal, Decimal], tuple[Decimal, Decimal]]:
    """((Xero's AmountDue, BMS's balance), (Xero's RemainingCredit, BMS's credit left))."""
    xero_invoice = next(i for i in sandbox.state()["orgs"][tenant.xero_tenant_id]["invoices"]
                        if i["InvoiceNumber"] == invoice.display_number)
    xero_note = xero_credit_notes(sandbox, tenant)[note.display_number]
    return ((D(str(xero_invoice["AmountDue"])), Invoice.objects.get(pk=invoice.pk).balance_amount),
            (D(str(xero_note["RemainingCredit"])), CreditNote.objects.get(pk=note.pk).remaining_credit))


def test_a_lost_answer_beside_a_same_day_same_amount_allocation_made_by_hand_leaves_one_of_each_on_both_sides(
        connected, sandbox, au_entity):
    invoice, note, by_hand, ours = _same_allocation_twice(connected, sandbox, au_entity)
    sandbox.set_faults(connected.xero_tenant_id, drop_rate=1.0)  # BMS's allocation lands, its answer is lost

    push_all(connected, credit_notes=[note])
    sandbox.clear_faults(connected.xero_tenant_id)
    _pull(connected)
    _pull(connected)  # and again: nothing moves

    live = _live(sandbox, connected, note)
    link = CreditAllocationLink.objects.get(allocation=ours)
    assert len(live) == 2 and link.status == LinkStatus.SYNCED
    assert link.xero_id in live and link.xero_id != by_hand  # its own, not the person's
    assert by_hand in link.allocations_before  # the credit note held it before BMS sent
    [made] = CreditAllocation.objects.filter(credit_note=note, source=CreditSource.XERO)
    assert (made.amount, made.allocated_on) == (D("100.00"), DAY)
    assert CreditAllocationLink.objects.get(allocation=made).xero_id == by_hand  # recorded as made in Xero, once
    assert CreditAllocation.objects.filter(credit_note=note, reversed_at__isnull=True).count() == 2
    assert XeroAttempt.objects.filter(operation="createCreditNoteAllocation").count() == 1  # never sent twice
    assert _due_and_credit(sandbox, connected, invoice, note) == ((D("902.37"), D("902.37")), (D("50.00"), D("50.00")))


def held_allocation(connected, sandbox, au_entity) -> tuple[Invoice, CreditNote, str, CreditAllocation, CollectingLog]:
    """BMS's allocation, sent before the link kept a list of what the credit note held, beside a
    person's of the same amount on the same day; pushed and pulled: held (the log of that push)."""
    invoice, note, by_hand, ours = _same_allocation_twice(connected, sandbox, au_entity)
    # As a worker stopped after the send left it: Xero holds BMS's allocation, BMS never heard back,
    # and the link kept no list of what the credit note held (a link of the release before this one).
    key = "allocation-sent-before-the-list-was-kept"
    CreditAllocationLink.objects.create(tenant=connected, allocation=ours, status=LinkStatus.UNCERTAIN,
                                        idempotency_key=key, attempts=1)
    sandbox.set_faults(connected.xero_tenant_id, drop_rate=1.0)
    with xero_client(connected) as client, pytest.raises(UncertainError):
        client.create_credit_note_allocation(
            CreditNoteLink.objects.get(credit_note=note).xero_id,
            Allocation(invoice=InvoiceRef(invoice_id=InvoiceLink.objects.get(invoice=invoice).xero_id),
                       amount=D("100.00"), date=DAY), idempotency_key=key)
    sandbox.clear_faults(connected.xero_tenant_id)
    assert len(_live(sandbox, connected, note)) == 2

    _outcome, log = push_all(connected, credit_notes=[note])
    _pull(connected)
    return invoice, note, by_hand, ours, log


def test_one_bms_cannot_tell_from_the_persons_is_held_with_what_to_do_and_taken_once_the_person_removes_theirs(
        connected, sandbox, au_entity):
    invoice, note, by_hand, ours, log = held_allocation(connected, sandbox, au_entity)

    link = CreditAllocationLink.objects.get(allocation=ours)
    assert (link.status, link.xero_id, link.error_cause) == (LinkStatus.UNCERTAIN, None, CAUSE_AMBIGUOUS)
    assert "remove the allocations made by hand" in link.last_error and note.display_number in link.last_error
    assert any(line[0] == "error" and line[2] == CAUSE_AMBIGUOUS for line in log.lines)
    assert len(_live(sandbox, connected, note)) == 2  # nothing sent again
    assert not CreditAllocation.objects.filter(credit_note=note, source=CreditSource.XERO).exists()  # nor recorded

    # The person removes theirs in Xero; the next push takes the one left as BMS's.
    sandbox.remove_allocation_in_xero(connected.xero_tenant_id, CreditNoteLink.objects.get(credit_note=note).xero_id,
                                      by_hand)
    push_all(connected, credit_notes=[note])
    _pull(connected)

    link.refresh_from_db()
    assert link.status == LinkStatus.SYNCED and _live(sandbox, connected, note) == {link.xero_id}
    assert CreditAllocation.objects.filter(credit_note=note, reversed_at__isnull=True).count() == 1
    assert XeroAttempt.objects.filter(operation="createCreditNoteAllocation").count() == 1
    assert _due_and_credit(sandbox, connected, invoice, note) == ((D("1002.37"), D("1002.37")),
                                                                   (D("150.00"), D("150.00")))


def test_a_credit_note_and_its_allocation_sent_in_one_run_read_nothing_back_from_xero(
        connected, sandbox, au_entity):
    """What the credit note held before its allocation went is Xero's answer to its own write: no read."""
    invoice = worked_invoice(au_entity, f.customer(code="C0192", name="One Run Pty Ltd"))
    push_all(connected, invoices=[invoice])
    note = part_return(invoice)

    push_all(connected, credit_notes=[note])

    link = CreditAllocationLink.objects.get(allocation__credit_note=note)
    assert (link.status, link.allocations_before) == (LinkStatus.SYNCED, [])
    assert XeroAttempt.objects.filter(operation="createCreditNoteAllocation").count() == 1
    assert not XeroAttempt.objects.filter(operation="getCreditNote").exists()
