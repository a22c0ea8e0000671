"""Released credit notes → Xero ACCRECCREDIT credit notes (PRODUCT.md §3.9, issue 19 item 3), through
the push engine, against the sandbox over HTTP: exact totals in both, Differs when Xero's are not
BMS's, before go-live never sent, a cancelled one voided, and the panel saying which."""

import html
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.models import CreditNote, CreditNoteStatus, InvoiceLine
from bms.billing.services import (
    InvoiceLineData,
    credit_allocation_reverse,
    credit_note_cancel,
    credit_note_create_from_invoice,
    credit_note_release,
    invoice_approve,
    invoice_create,
)
from bms.jobs.models import Job
from bms.jobs.services import job_enqueue, job_run
from bms.testing import factories as f
from bms.xero import payloads
from bms.xero.models import CreditNoteLink, LinkStatus
from bms.xero.selectors import credit_notes_due_for_push
from bms.xero.services.credit_notes import credit_notes_push
from bms.xero.services.invoices import invoices_push
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import connect, xero_client

pytestmark = pytest.mark.django_db
D = Decimal


def worked_invoice(entity, customer, day=date(2026, 4, 20)):
    """The guide's worked example: 3 lathes at 250.00 and 7 safety glasses at 19.99 (GST 10 %), 10
    drill bit sets at 12.345 (GST free): 1013.38 + 88.99 tax = 1102.37."""
    revenue, gst, free = f.account("41110"), f.tax_rate(), f.tax_rate("EXEMPTOUTPUT", "0", "GST Free Income")
    invoice = invoice_approve(invoice=invoice_create(entity=entity, customer=customer, issued_on=day, currency="AUD",
        lines=[InvoiceLineData("Lathe", D("3"), D("250.00"), revenue, gst),
               InvoiceLineData("Drill bit set", D("10"), D("12.345"), revenue, free),
               InvoiceLineData("Safety glasses", D("7"), D("19.99"), revenue, gst)]))
    assert invoice.total_amount == D("1102.37")
    return invoice


def part_return(invoice, day=date(2026, 4, 21)) -> CreditNote:
    """4 drill bit sets (49.38, no tax) and 3 glasses (59.97 + 6.00 tax): 115.35, released and so
    allocated to the invoice."""
    _lathe, drills, glasses = InvoiceLine.objects.filter(invoice=invoice).order_by("position", "id")
    note = credit_note_create_from_invoice(invoice=invoice, lines=[(drills, D("4")), (glasses, D("3"))],
                                           issued_on=day)
    return credit_note_release(credit_note=note)


def push_all(tenant, *, invoices=(), credit_notes=()):
    log = CollectingLog()
    with xero_client(tenant) as client:
        if invoices:
            invoices_push(tenant=tenant, invoices=list(invoices), client=client, log=log)
        outcome = credit_notes_push(tenant=tenant, credit_notes=list(credit_notes), client=client, log=log)
    return outcome, log


def xero_credit_notes(sandbox, tenant) -> dict[str, dict]:
    notes = sandbox.state()["orgs"][tenant.xero_tenant_id].get("credit_notes", {})
    return {n["CreditNoteNumber"]: n for n in (notes.values() if isinstance(notes, dict) else notes)}


def test_a_part_return_of_two_lines_with_mixed_tax_has_the_same_totals_in_bms_and_xero(
        connected, sandbox, au_entity, finance_client):
    invoice = worked_invoice(au_entity, f.customer())
    note = part_return(invoice)
    assert (note.subtotal_amount, note.tax_amount, note.total_amount) == (D("109.35"), D("6.00"), D("115.35"))

    outcome, _ = push_all(connected, invoices=[invoice], credit_notes=[note])

    assert (outcome.created, outcome.failed) == (1, 0)
    xero = xero_credit_notes(sandbox, connected)[note.display_number]
    # Sent AUTHORISED, then allocated whole to its invoice in the same run: PAID, no credit left.
    assert (xero["Type"], xero["Status"], D(str(xero["RemainingCredit"]))) == ("ACCRECCREDIT", "PAID", D("0"))
    assert (D(str(xero["SubTotal"])), D(str(xero["TotalTax"])), D(str(xero["Total"]))) == (
        D("109.35"), D("6.00"), D("115.35"))
    assert [line["TaxType"] for line in xero["LineItems"]] == ["EXEMPTOUTPUT", "OUTPUT"]
    link = CreditNoteLink.objects.get(credit_note=note)
    assert (link.status, link.xero_id, link.xero_total) == (LinkStatus.SYNCED, xero["CreditNoteID"], D("115.35"))
    assert len(link.line_item_ids) == 2
    confirmed = CreditNote.objects.get(pk=note.pk)  # allocated whole to its invoice: Completed, now confirmed
    assert confirmed.status == CreditNoteStatus.COMPLETED and confirmed.processed_at is not None
    page = html.unescape(finance_client.get(reverse("billing:credit_note_detail", args=[note.pk])).content.decode())
    assert "Sent" in page and "View in Xero" in page and xero["CreditNoteID"] in page
    assert "does not send credit notes" not in page
    # Nothing is due any more, and a second push sends nothing.
    assert not credit_notes_due_for_push(connected).exists()
    again, _ = push_all(connected, credit_notes=[note])
    assert (again.created, again.updated) == (0, 0)
    assert len(xero_credit_notes(sandbox, connected)) == 1


def test_a_credit_note_xero_totals_differently_is_held_as_differs_not_processed(
        connected, sandbox, au_entity, monkeypatch, finance_client):
    """Without the explicit zero-rate TaxType Xero applies the account's default GST to the drill bit
    sets: the comparison after the write says so, as for invoices."""
    original = payloads.credit_note_payload
    invoice = worked_invoice(au_entity, f.customer())
    push_all(connected, invoices=[invoice])
    monkeypatch.setattr("bms.xero.services.credit_notes.credit_note_payload",
                        lambda *a, **kw: original(*a, **kw).model_copy(update={"line_items": [
                            line.model_copy(update={"tax_type": None}) for line in original(*a, **kw).line_items]}))
    note = part_return(invoice)

    outcome, _ = push_all(connected, credit_notes=[note])

    assert outcome.created == 1
    link = CreditNoteLink.objects.get(credit_note=note)
    assert link.status == LinkStatus.DIFFERS
    assert link.last_error.startswith("Xero's total 120.29 differs from BMS's 115.35: the credit note is in Xero")
    assert CreditNote.objects.get(pk=note.pk).processed_at is None  # not confirmed as Processed
    page = finance_client.get(reverse("billing:credit_note_detail", args=[note.pk])).content.decode()
    assert "Differs" in page and "120.29" in page
    assert not credit_notes_due_for_push(connected).exists()  # not re-sent until it changes in BMS


def test_a_credit_note_for_an_invoice_dated_before_go_live_is_never_sent_and_says_so(
        admin_client, connected, sandbox, au_entity, finance_client):
    connect(admin_client, au_entity, connected, go_live_on="2026-04-01")
    history = worked_invoice(au_entity, f.customer(), day=date(2026, 3, 20))
    note = part_return(history, day=date(2026, 4, 5))  # dated after go-live, but its invoice is not in Xero
    # Before any push has looked at them, the panels already say what the push will do, not "waiting".
    page = html.unescape(finance_client.get(reverse("billing:credit_note_detail", args=[note.pk])).content.decode())
    assert f"Before go-live — not sent: it credits invoice {history.display_number}, dated 20/03/2026" in page
    assert "Waiting to be sent" not in page
    assert '<td class="xero-state">Before go-live — not sent</td>' in page  # its allocation to that invoice too
    page = html.unescape(finance_client.get(reverse("billing:invoice_detail", args=[history.pk])).content.decode())
    assert "Before go-live — not sent: dated 20/03/2026, before 01/04/2026" in page
    assert "Not synced yet" not in page

    outcome, _ = push_all(connected, credit_notes=list(credit_notes_due_for_push(connected)))

    assert (outcome.created, outcome.before_go_live) == (0, 1)
    assert xero_credit_notes(sandbox, connected) == {}
    link = CreditNoteLink.objects.get(credit_note=note)
    assert link.status == LinkStatus.BEFORE_GO_LIVE and link.xero_id is None
    assert f"it credits invoice {history.display_number}, dated 20/03/2026, before 01/04/2026" in link.last_error
    assert CreditNote.objects.get(pk=note.pk).status == CreditNoteStatus.COMPLETED  # kept in BMS as it was
    page = finance_client.get(reverse("billing:credit_note_detail", args=[note.pk])).content.decode()
    assert "Before go-live — not sent" in page
    assert not credit_notes_due_for_push(connected).exists()


def test_the_schedule_queues_the_credit_notes_job_and_a_cancelled_one_is_voided_in_xero(
        connected, sandbox, au_entity):
    invoice = worked_invoice(au_entity, f.customer())
    note = part_return(invoice)
    push_all(connected, invoices=[invoice])

    job_run(job_id=job_enqueue(kind="xero.push_all", description="schedule", params={}).pk)
    for job in Job.objects.filter(kind="xero.credit_notes.push"):
        job_run(job_id=job.pk)

    assert Job.objects.filter(kind="xero.credit_notes.push").count() == 1
    assert CreditNoteLink.objects.get(credit_note=note).status == LinkStatus.SYNCED
    # Cancelled in BMS once its allocation is reversed: the next push voids it in Xero.
    credit_allocation_reverse(allocation=note.allocations.get())
    credit_note_cancel(credit_note=note)
    job_run(job_id=job_enqueue(kind="xero.credit_notes.push", description="push",
                               params={"tenant_id": connected.pk}).pk)
    assert xero_credit_notes(sandbox, connected)[note.display_number]["Status"] == "VOIDED"
    assert CreditNoteLink.objects.get(credit_note=note).xero_status == "VOIDED"


def test_sync_credit_note_with_xero_on_its_panel_queues_its_push_and_sends_it(connected, sandbox, au_entity,
                                                                             finance_client):
    invoice = worked_invoice(au_entity, f.customer())
    push_all(connected, invoices=[invoice])
    note = part_return(invoice)
    page = finance_client.get(reverse("billing:credit_note_detail", args=[note.pk])).content.decode()
    assert "Sync Credit Note with Xero" in page

    finance_client.post(reverse("xero:credit_note_sync", args=[note.pk]))

    job = Job.objects.get(kind="xero.credit_notes.push")
    assert job.params == {"tenant_id": connected.pk, "credit_note_ids": [note.pk]}
    job_run(job_id=job.pk)
    assert xero_credit_notes(sandbox, connected)[note.display_number]["Status"] == "PAID"  # sent and allocated
