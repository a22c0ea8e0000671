"""A credit note edited in Xero after BMS knew it (issue 19), over HTTP against the sandbox: one made
in Xero follows Xero's lines, totals, tax, date, reference and status once, however pulls overlap,
and an older copy read by an overlapping pull never goes back over a newer one; one sent from BMS is
never overwritten — it shows Differs with its repairs, and Re-send puts BMS's back in Xero."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.models import CreditAllocation, CreditNote, CreditSource, Invoice
from bms.testing import factories as f
from bms.xero.models import CreditNoteLink, InvoiceLink, LinkStatus
from bms.xero.reconcile.repairs import reconciliation_repair, repairs_for
from bms.xero.services import credit_notes_pull as pull_module
from bms.xero.services.credit_notes_edited import CAUSE_CHANGED_IN_XERO
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import xero_client
from bms.xero.tests.test_credit_notes_pull import _made_in_xero, _pull, _xero_due, sent_and_allocated
from bms.xero.tests.test_credit_notes_push import push_all, worked_invoice, xero_credit_notes
from bms.xero.tests.test_reconcile_credit_notes import _run

pytestmark = pytest.mark.django_db
D = Decimal


def _edit_lines(note: dict, **quantities: int) -> list[dict]:
    """The credit note's lines as a person leaves them in Xero: by description, a new quantity."""
    keep = ("LineItemID", "Description", "UnitAmount", "AccountCode", "TaxType", "Quantity")
    return [{**{k: line[k] for k in keep}, "Quantity": quantities.get(line["Description"], line["Quantity"])}
            for line in note["LineItems"]]


@pytest.fixture
def made(connected, sandbox, au_entity):
    invoice = worked_invoice(au_entity, f.customer())
    f.tax_rate("EXEMPTOUTPUT", "0", "GST Free Income")
    push_all(connected, invoices=[invoice])
    made = _made_in_xero(sandbox, connected, invoice)  # 115.37, 100.00 allocated
    _pull(connected)
    return invoice, made, CreditNote.objects.get(source=CreditSource.XERO)


def test_a_credit_note_made_in_xero_and_edited_there_follows_xeros_version_once(
        connected, sandbox, made, finance_client):
    invoice, made, note = made
    tenant_id, note_id = connected.xero_tenant_id, made["note"]["CreditNoteID"]
    # In Xero: the allocation removed (Xero edits only unused credit), the note edited, 50.00 allocated.
    sandbox.remove_allocation_in_xero(tenant_id, note_id, made["allocation"]["AllocationID"])
    sandbox.advance_clock(60)
    edited = sandbox.edit_credit_note_in_xero(tenant_id, note_id, Date="2026-04-24", Reference="Two sets kept",
                                              LineItems=_edit_lines(made["note"], **{"Drill bit set": 2}))
    sandbox.allocate_in_xero(tenant_id, note_id, invoice_id=InvoiceLink.objects.get(invoice=invoice).xero_id,
                             amount="50.00", date="2026-04-24")

    log = _pull(connected)
    revision = CreditNote.objects.get(pk=note.pk).revision
    _pull(connected, from_start=True)  # an overlapping pull reads it again: nothing more happens

    [after] = CreditNote.objects.filter(source=CreditSource.XERO)
    assert after.pk == note.pk and after.revision == revision
    assert (after.subtotal_amount, after.tax_amount, after.total_amount) == (D("84.67"), D("6.00"), D("90.67"))
    assert after.total_amount == D(str(edited["Total"]))
    assert (after.issued_on, after.reference) == (date(2026, 4, 24), "Two sets kept")
    assert [(line.description, line.quantity) for line in after.lines.order_by("position")] == [
        ("Drill bit set", D("2")), ("Safety glasses", D("3"))]
    xero_note = next(n for n in xero_credit_notes(sandbox, connected).values() if n["CreditNoteID"] == note_id)
    assert after.remaining_credit == D(str(xero_note["RemainingCredit"])) == D("40.67")
    assert sorted((a.amount, a.reversed_at is None) for a in CreditAllocation.objects.filter(credit_note=note)) == [
        (D("50.00"), True), (D("100.00"), False)]  # Xero's removed allocation reversed, its new one recorded
    assert _xero_due(sandbox, connected, invoice) == Invoice.objects.get(pk=invoice.pk).balance_amount == D("1052.37")
    assert [m for _, _, _, m in log.lines if "updated as Xero has it" in m] == [
        "Changed in Xero: updated as Xero has it, 90.67 (6.00 tax)."]
    link = CreditNoteLink.objects.get(credit_note=note)
    assert (link.xero_total, link.xero_remaining_credit, link.status) == (D("90.67"), D("40.67"), LinkStatus.SYNCED)
    page = finance_client.get(reverse("billing:credit_note_detail", args=[note.pk])).content.decode()
    assert "Made in Xero" in page and "Two sets kept" in page and "90.67" in page


def test_an_older_copy_read_by_an_overlapping_pull_never_goes_back_over_a_newer_one(
        connected, sandbox, made, monkeypatch):
    _invoice, made, note = made
    tenant_id, note_id = connected.xero_tenant_id, made["note"]["CreditNoteID"]
    sandbox.remove_allocation_in_xero(tenant_id, note_id, made["allocation"]["AllocationID"])
    with xero_client(connected) as client:  # pull A reads Xero's credit notes now (no allocation, 115.37)…
        stale = list(pull_module._changed(client, None))
    sandbox.advance_clock(60)
    sandbox.edit_credit_note_in_xero(tenant_id, note_id, LineItems=_edit_lines(made["note"], **{"Drill bit set": 2}))
    _pull(connected)  # …pull B applies the edit (90.67)…
    monkeypatch.setattr(pull_module, "_changed", lambda client, since: iter(stale))
    _pull(connected, from_start=True)  # …then pull A applies what it read before

    after = CreditNote.objects.get(pk=note.pk)
    assert (after.total_amount, after.remaining_credit) == (D("90.67"), D("90.67"))
    assert CreditAllocation.objects.get(credit_note=note).reversed_at is not None


def test_a_credit_note_approved_in_xero_after_a_pull_saw_its_draft_comes_back_once(
        connected, sandbox, au_entity):
    from bms.xero.models import ContactLink

    invoice = worked_invoice(au_entity, f.customer())
    push_all(connected, invoices=[invoice])
    contact_id = ContactLink.objects.get(customer=invoice.customer).xero_id
    draft = sandbox.credit_note_in_xero(
        connected.xero_tenant_id, Type="ACCRECCREDIT", CreditNoteNumber="CN-0050", Status="DRAFT",
        Contact={"ContactID": contact_id}, Date="2026-04-22", LineAmountTypes="Exclusive", LineItems=[
            {"Description": "Lathe", "Quantity": 1, "UnitAmount": 250, "AccountCode": "41110", "TaxType": "OUTPUT"}])
    _pull(connected)
    assert not CreditNote.objects.filter(source=CreditSource.XERO).exists()  # a draft is not BMS's to record
    sandbox.advance_clock(60)
    sandbox.edit_credit_note_in_xero(connected.xero_tenant_id, draft["CreditNoteID"], Status="AUTHORISED")
    sandbox.allocate_in_xero(connected.xero_tenant_id, draft["CreditNoteID"],
                             invoice_id=InvoiceLink.objects.get(invoice=invoice).xero_id, amount="275.00")
    _pull(connected)
    _pull(connected, from_start=True)
    [note] = CreditNote.objects.filter(source=CreditSource.XERO)
    assert (note.xero_number, note.total_amount, note.remaining_credit) == ("CN-0050", D("275.00"), D("0.00"))
    assert CreditNoteLink.objects.get(credit_note=note).xero_status == "PAID"


def _glasses_back(invoice) -> CreditNote:
    """3 safety glasses returned: 59.97 + 6.00 tax = 65.97, released and allocated to the invoice."""
    from bms.billing.models import InvoiceLine
    from bms.billing.services import credit_note_create_from_invoice, credit_note_release

    glasses = InvoiceLine.objects.get(invoice=invoice, description="Safety glasses")
    return credit_note_release(credit_note=credit_note_create_from_invoice(
        invoice=invoice, lines=[(glasses, D("3"))], issued_on=date(2026, 4, 21)))


def test_a_credit_note_sent_from_bms_and_edited_in_xero_differs_with_its_repairs_and_is_not_overwritten(
        connected, sandbox, au_entity, finance_client, admin_user):
    _invoice, note, xero_note, sent = sent_and_allocated(connected, sandbox, au_entity, credit=_glasses_back)
    tenant_id, note_id = connected.xero_tenant_id, xero_note["CreditNoteID"]

    def edited_in_xero(glasses: int) -> CollectingLog:
        sandbox.advance_clock(60)
        sandbox.edit_credit_note_in_xero(tenant_id, note_id,
                                         LineItems=_edit_lines(xero_note, **{"Safety glasses": glasses}))
        log = _pull(connected)
        _pull(connected, from_start=True)
        return log

    sandbox.remove_allocation_in_xero(tenant_id, note_id, sent["AllocationID"])  # Xero edits unused credit only
    log = edited_in_xero(5)  # 99.95 + 10.00 tax

    kept = CreditNote.objects.get(pk=note.pk)
    assert (kept.total_amount, kept.revision) == (D("65.97"), note.revision)  # BMS's document as it was
    assert [(line.description, line.quantity) for line in kept.lines.all()] == [("Safety glasses", D("3"))]
    link = CreditNoteLink.objects.get(credit_note=note)
    assert (link.status, link.error_cause, link.xero_total) == (LinkStatus.DIFFERS, CAUSE_CHANGED_IN_XERO,
                                                                D("109.95"))
    assert link.last_error.startswith("Changed in Xero: Xero's total 109.95 differs from BMS's 65.97.")
    assert [cause for level, _, cause, _ in log.lines if level == "warning"] == [CAUSE_CHANGED_IN_XERO]
    page = finance_client.get(reverse("billing:credit_note_detail", args=[note.pk])).content.decode()
    assert "Differs" in page and "Re-send puts BMS&#x27;s back in Xero" in page
    # Put back as it was in Xero: the next pull clears it.
    edited_in_xero(3)
    assert CreditNoteLink.objects.get(credit_note=note).status == LinkStatus.SYNCED
    # Edited again: the reconciliation lists it with its repairs; Re-send puts BMS's back in Xero.
    edited_in_xero(5)
    run = _run(connected)
    [row] = run.rows.filter(kind="credit_note")
    assert (row.cause, row.bms_value, row.xero_value) == ("tax", "6.00", "10.00")
    assert [r.name for r in repairs_for(kind="credit_note", cause=row.cause)] == ["resend", "hold"]
    reconciliation_repair(rows=[row], repair="resend", user=admin_user)
    push_all(connected, credit_notes=[CreditNote.objects.get(pk=note.pk)])
    assert D(str(xero_credit_notes(sandbox, connected)[note.display_number]["Total"])) == D("65.97")
    assert CreditNoteLink.objects.get(credit_note=note).status == LinkStatus.SYNCED
