"""The payments pull applies invoice by invoice (issue #15 item 4), against the sandbox over HTTP:
one invoice that cannot be applied fails alone, grouped by cause; the rest lands; the cursor moves
on; a second run changes nothing; `bms sync payments` ends with the message, not a traceback."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from bms.billing.models import Invoice, InvoiceStatus, Payment
from bms.testing import factories as f
from bms.xero.client.xerodates import parse_xero_datetime
from bms.xero.models import InvoiceLink, PaymentLink, PullCursor
from bms.xero.services.invoices import invoices_push
from bms.xero.services.payments import RECORDED, REVERSED, UPDATED, payments_pull
from bms.xero.services.pull_apply import CAUSE_OVERPAID, CAUSE_TOTALS_DIFFER
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import xero_client
from bms.xero.tests.test_invoices import _released

pytestmark = pytest.mark.django_db
D = Decimal


def _pull(tenant):
    log = CollectingLog()
    with xero_client(tenant) as client:
        return payments_pull(tenant=tenant, client=client, log=log), log


def _xero_copy(sandbox, tenant, invoice):
    org = sandbox.sandbox.store.orgs[tenant.xero_tenant_id]
    return next(i for i in org["invoices"].values() if i["InvoiceNumber"] == invoice.display_number)


def _raise_xero_total(sandbox, tenant, invoice, by):
    """Xero's copy ends up with a different total (e.g. Xero applied a default tax BMS did not)."""
    xero_invoice = _xero_copy(sandbox, tenant, invoice)
    with sandbox.sandbox.store.lock:
        xero_invoice["Total"] += by
        xero_invoice["AmountDue"] += by
        xero_invoice["UpdatedDateUTC"] = sandbox.sandbox.clock.now()


def _books():
    """Everything a pull could change in BMS, to compare two runs."""
    return (sorted(Invoice.objects.values_list("pk", "status", "balance_amount")),
            sorted(Payment.objects.values_list("pk", "invoice_id", "amount", "reversed_at")),
            PaymentLink.objects.count())


@pytest.fixture
def hundred(connected, sandbox, au_entity):
    customers = [f.customer(code="C0001", name="Bright Tools Pty Ltd"),
                 f.customer(code="C0002", name="Hill Engineering Pty Ltd")]
    invoices = _released(au_entity, customers, 100)
    with xero_client(connected) as client:
        outcome = invoices_push(tenant=connected, invoices=invoices, client=client, log=CollectingLog())
    assert outcome.created == 100, outcome.summary()
    return [Invoice.objects.get(pk=i.pk) for i in invoices]


def test_one_bad_invoice_in_a_page_of_100_fails_alone_and_the_other_99_land(connected, sandbox, hundred):
    bad = hundred[37]
    _raise_xero_total(sandbox, connected, bad, D("1.00"))
    paid = [sandbox.pay_invoice(connected.xero_tenant_id, invoice_number=i.display_number,
                                amount=str(i.total_amount), date="2026-05-01") for i in hundred]
    outcome, log = _pull(connected)

    assert outcome.counts[RECORDED] == 99 and outcome.counts[UPDATED] == 99 and outcome.failed == 1
    assert "1 failed" in outcome.summary()
    [error] = [line for line in log.lines if line[0] == "error"]
    assert error[1] == f"Invoice {bad.display_number}" and error[2] == CAUSE_TOTALS_DIFFER
    assert f"Xero's total for {bad.display_number} is {bad.total_amount + D('1.00')}, BMS's is " \
           f"{bad.total_amount}" in error[3]
    for invoice in hundred:
        invoice.refresh_from_db()
        if invoice.pk == bad.pk:  # untouched: no payment, its balance as before
            assert (invoice.status, invoice.balance_amount) == (InvoiceStatus.PROCESSED, invoice.total_amount)
            assert not invoice.payments.exists()
        else:
            assert (invoice.status, invoice.balance_amount) == (InvoiceStatus.COMPLETED, D("0.00"))
    link = InvoiceLink.objects.get(invoice=bad)
    assert link.pull_error == error[3] and link.pull_error_cause == CAUSE_TOTALS_DIFFER
    assert link.xero_total == bad.total_amount + D("1.00") and link.xero_status == "AUTHORISED"
    # The cursor moved past the page, failure and all.
    newest = max(parse_xero_datetime(p["UpdatedDateUTC"]) for p in paid)
    assert PullCursor.objects.get(tenant=connected, resource="payments").modified_since >= newest

    before = _books()
    again, again_log = _pull(connected)  # the failed one is read again, and fails again: nothing changes
    assert _books() == before
    assert (again.counts[RECORDED], again.counts[REVERSED], again.failed) == (0, 0, 1)
    assert [line[2] for line in again_log.lines if line[0] == "error"] == [CAUSE_TOTALS_DIFFER]

    _raise_xero_total(sandbox, connected, bad, D("-1.00"))  # someone corrects Xero's copy
    fixed, _ = _pull(connected)
    bad.refresh_from_db()
    assert (fixed.counts[RECORDED], fixed.failed) == (1, 0)
    assert (bad.status, bad.balance_amount) == (InvoiceStatus.COMPLETED, D("0.00"))
    assert InvoiceLink.objects.get(invoice=bad).pull_error == ""


def test_payments_above_bmss_total_fail_alone_with_the_amounts(connected, sandbox, hundred):
    invoice = hundred[0]
    xero_invoice = _xero_copy(sandbox, connected, invoice)
    sandbox.pay_invoice(connected.xero_tenant_id, invoice_number=invoice.display_number,
                        amount=str(invoice.total_amount - D("5.00")), date="2026-05-01")
    with sandbox.sandbox.store.lock:  # a credit note of 10.00 allocated in Xero on top
        xero_invoice["AmountCredited"] = D("10.00")
        xero_invoice["UpdatedDateUTC"] = sandbox.sandbox.clock.now()
    outcome, log = _pull(connected)
    assert outcome.failed == 1 and outcome.counts[RECORDED] == 0
    [error] = log.errors()
    assert f"Xero's payments on {invoice.display_number} add up to {invoice.total_amount + D('5.00')}, more than " \
           f"BMS's total of {invoice.total_amount}" in error[1]
    assert InvoiceLink.objects.get(invoice=invoice).pull_error_cause == CAUSE_OVERPAID


def test_bms_sync_payments_with_a_bad_record_ends_with_the_message_not_a_traceback(connected, sandbox, hundred,
                                                                                   capsys):
    bad, good = hundred[3], hundred[4]
    _raise_xero_total(sandbox, connected, bad, D("1.00"))
    for invoice in (bad, good):
        sandbox.pay_invoice(connected.xero_tenant_id, invoice_number=invoice.display_number,
                            amount=str(invoice.total_amount), date="2026-05-01")
    with pytest.raises(CommandError, match=r"1 record failed; see the reasons above"):
        call_command("sync", "payments", "--entity", "AU")
    out = capsys.readouterr().out
    assert "1 payment recorded" in out and "1 failed" in out
    assert f"{CAUSE_TOTALS_DIFFER} (1):" in out and f"Invoice {bad.display_number}: Xero's total for" in out
    good.refresh_from_db()
    assert good.status == InvoiceStatus.COMPLETED


def test_bms_sync_says_it_waits_when_xero_is_down_and_changes_nothing(connected, sandbox, hundred, capsys):
    """An outage is not bad data: the command says when to come back (the job layer re-runs it)."""
    sandbox.set_faults(connected.xero_tenant_id, error_503_rate=1.0)
    before = _books()
    call_command("sync", "payments", "--entity", "AU")
    assert "waiting for Xero's service to recover until" in capsys.readouterr().out
    assert _books() == before and PullCursor.objects.get(tenant=connected, resource="payments").modified_since is None


def _settled_in_bms_before_connecting(invoice):
    """History from before the connection: paid in BMS, never told to Xero (written as the data
    stands, whatever today's payment screen allows)."""
    payment = Payment.objects.create(invoice=invoice, amount=invoice.total_amount, paid_on=invoice.issued_on,
                                     reference="Paid before connecting")
    Invoice.objects.filter(pk=invoice.pk).update(balance_amount=D("0.00"), status=InvoiceStatus.COMPLETED,
                                                 completed_at=invoice.processed_at)
    return payment


def test_a_bms_payment_xero_does_not_hold_is_never_dropped_nor_reopened(connected, sandbox, hundred):
    settled, other = hundred[5], hundred[6]
    payment = _settled_in_bms_before_connecting(settled)
    sandbox.pay_invoice(connected.xero_tenant_id, invoice_number=other.display_number,
                        amount=str(other.total_amount), date="2026-05-01")
    outcome, log = _pull(connected)
    assert outcome.failed == 1 and outcome.counts[RECORDED] == 1  # the other invoice still lands
    [(record, message)] = log.errors()
    assert record == f"Invoice {settled.display_number}"
    assert "it was paid in BMS before connecting and Xero shows it unpaid" in message
    settled.refresh_from_db()
    payment.refresh_from_db()
    assert (settled.status, settled.balance_amount, payment.reversed_at) == (InvoiceStatus.COMPLETED, D("0.00"), None)
    link = InvoiceLink.objects.get(invoice=settled)
    assert link.pull_error_cause == "Paid in BMS before connecting, unpaid in Xero"


def test_a_bms_payment_xero_holds_counts_once_against_xeros_balance(connected, sandbox, hundred):
    """Once the BMS payment is in Xero (a PaymentLink marks it), the balance both sides show is kept."""
    settled = hundred[7]
    payment = _settled_in_bms_before_connecting(settled)
    in_xero = sandbox.pay_invoice(connected.xero_tenant_id, invoice_number=settled.display_number,
                                  amount=str(settled.total_amount), date=str(settled.issued_on))
    PaymentLink.objects.create(tenant=connected, xero_payment_id=in_xero["PaymentID"], payment=payment)
    outcome, log = _pull(connected)
    assert (outcome.failed, outcome.counts[RECORDED]) == (0, 0) and not log.errors()
    settled.refresh_from_db()
    assert (settled.status, settled.balance_amount, settled.payments.count()) == (
        InvoiceStatus.COMPLETED, D("0.00"), 1)
    sandbox.delete_payment(connected.xero_tenant_id, in_xero["PaymentID"])  # then deleted in Xero: reversed
    assert _pull(connected)[0].counts[REVERSED] == 1
    settled.refresh_from_db()
    assert (settled.status, settled.balance_amount) == (InvoiceStatus.PROCESSED, settled.total_amount)
