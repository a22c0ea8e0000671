"""Credit notes and their allocations exactly once under the sync engine's fault mix (issue 19,
Acceptance), over real HTTP: every run starts with a storm of 429s; the first run meets Xero
answering 500 to everything, the second loses every write's answer after the commit, later ones a
random mix (40 % of write answers dropped, 20 % 500, 20 % 503). The jobs run again until nothing is
due; then Xero holds each credit note exactly once, with BMS's SubTotal, TotalTax and Total,
allocated exactly once to its invoice, whose AmountDue is BMS's balance."""

from decimal import Decimal

import pytest

from bms.billing.models import CreditNote
from bms.jobs.services import job_enqueue, job_run
from bms.testing import factories as f
from bms.xero.models import CreditNoteLink, LinkStatus, XeroAttempt
from bms.xero.selectors import credit_notes_due_for_push
from bms.xero.services.credit_allocations import allocations_due
from bms.xero.tests.test_credit_notes_push import part_return, push_all, worked_invoice

pytestmark = pytest.mark.django_db
D = Decimal
CREDIT_NOTES = 60  # two batches: 50 and 10
MINUTE_LIMIT, MINUTE_S = 20, 1.0  # Xero's 60 a minute, scaled so the limit binds within a test


def test_every_credit_note_lands_exactly_once_with_bms_totals_under_lost_answers_5xx_and_429s(
        connected, sandbox, au_entity, settings):
    settings.XERO_LIMIT_PER_MINUTE = MINUTE_LIMIT
    settings.XERO_LIMIT_MINUTE_S = MINUTE_S
    sandbox.configure(minute_limit=MINUTE_LIMIT, minute_s=MINUTE_S)
    customers = [f.customer(code=f"K{n:03d}", name=f"Fault Credit Customer {n}") for n in range(6)]
    invoices = [worked_invoice(au_entity, customers[n % len(customers)]) for n in range(CREDIT_NOTES)]
    push_all(connected, invoices=invoices)
    notes = [part_return(invoice) for invoice in invoices]
    sandbox.clear_log()
    sandbox.configure(fault_seed=19)
    phases = [{"error_500_rate": 1.0}, {"drop_rate": 1.0}]
    mix = {"drop_rate": 0.4, "error_500_rate": 0.2, "error_503_rate": 0.2}

    runs = 0
    while (credit_notes_due_for_push(connected, include_failed=True).exists()
           or allocations_due(connected, include_failed=True).exists()) and runs < 30:
        sandbox.clear_faults(connected.xero_tenant_id)
        faults = phases[runs] if runs < len(phases) else mix
        sandbox.set_faults(connected.xero_tenant_id, storm_429=3, **faults)  # a storm at the start of every run
        job_run(job_id=job_enqueue(kind="xero.credit_notes.push", description="faults",
                                   params={"tenant_id": connected.pk, "include_failed": True}).pk)
        runs += 1
    sandbox.clear_faults(connected.xero_tenant_id)

    in_xero = [n for n in sandbox.state()["orgs"][connected.xero_tenant_id]["credit_notes"]
               if n["Type"] == "ACCRECCREDIT"]
    assert sorted(n["CreditNoteNumber"] for n in in_xero) == sorted(n.display_number for n in notes)  # each once
    by_number = {n["CreditNoteNumber"]: n for n in in_xero}
    for note in CreditNote.objects.filter(pk__in=[n.pk for n in notes]):
        xero = by_number[note.display_number]
        assert (D(str(xero["SubTotal"])), D(str(xero["TotalTax"])), D(str(xero["Total"]))) == (
            note.subtotal_amount, note.tax_amount, note.total_amount) == (D("109.35"), D("6.00"), D("115.35"))
        assert note.processed_at is not None
        [allocation] = [a for a in xero["Allocations"] if not a.get("IsDeleted")]  # allocated exactly once
        assert D(str(allocation["Amount"])) == D("115.35")
    due = {i["InvoiceNumber"]: D(str(i["AmountDue"]))
           for i in sandbox.state()["orgs"][connected.xero_tenant_id]["invoices"]}
    for invoice in invoices:
        invoice.refresh_from_db()
        assert due[invoice.display_number] == invoice.balance_amount == D("987.02")
    assert CreditNoteLink.objects.filter(tenant=connected, status=LinkStatus.SYNCED).count() == CREDIT_NOTES
    log = sandbox.log(connected.xero_tenant_id)
    dropped = sum(1 for e in log if e.get("problem") == "dropped")
    errors = sum(1 for e in log if e["status"] >= 500)
    storms = sandbox.log_summary()["rate_limited"].get("storm", 0)
    assert runs >= 2 and dropped >= 1 and errors >= 1 and storms >= 6, (runs, dropped, errors, storms)
    assert XeroAttempt.objects.filter(operation="getCreditNotes").exists()  # lost answers were looked up
    assert XeroAttempt.objects.filter(operation="getCreditNote").exists()  # …and lost allocations read back
    print(f"credit notes faults: {CREDIT_NOTES} credit notes, {runs} runs, {dropped} answers dropped, "
          f"{errors} 5xx, {storms} 429s; {len(in_xero)} in Xero")
