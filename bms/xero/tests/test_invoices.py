"""Released invoices → Xero (PRODUCT.md §3.5), exactly once, against the sandbox."""

from decimal import Decimal

import pytest

from bms.billing.models import Invoice, InvoiceStatus
from bms.billing.services import InvoiceLineData, invoice_approve, invoice_create
from bms.testing import factories as f
from bms.xero.models import InvoiceLink, LinkStatus, XeroTenant
from bms.xero.services.chart_check import ChartCheck
from bms.xero.services.invoices import invoices_push
from bms.xero.sync.leases import LeaseKind
from bms.xero.sync.log import CollectingLog
from bms.xero.sync.run import WaitForXeroError, tenant_run
from bms.xero.tests.conftest import xero_client

pytestmark = pytest.mark.django_db
D = Decimal


def _released(entity, customers, count, *, code="41110"):
    revenue = f.account(code, f"Sales {code}")
    gst = f.tax_rate()
    invoices = []
    for n in range(count):
        invoice = invoice_create(
            entity=entity, customer=customers[n % len(customers)], issued_on=__import__("datetime").date(2026, 4, 23),
            lines=[InvoiceLineData(f"Lathe {n}", D("1") + n % 3, D("100.3333"), revenue, gst),
                   InvoiceLineData("Freight", D("1"), D("12.50"), revenue, gst)], currency="AUD")
        invoices.append(invoice_approve(invoice=invoice))
    return invoices


def _xero_invoices(sandbox, tenant):
    return sandbox.state()["orgs"][tenant.xero_tenant_id]["invoices"]


def _push(tenant, invoices, chart=None):
    log = CollectingLog()
    with xero_client(tenant) as client:
        outcome = invoices_push(tenant=tenant, invoices=invoices, client=client, log=log, chart=chart)
    return outcome, log


def test_it_sends_fifty_invoices_in_one_call_and_fails_the_one_with_an_archived_account_alone(
    connected, sandbox, au_entity
):
    customers = [f.customer(code=f"C{n:04d}", name=f"Customer {n}") for n in range(5)]
    invoices = _released(au_entity, customers, 49)
    invoices += _released(au_entity, customers[:1], 1, code="41900")  # archived in Xero
    sandbox.control("DELETE", "log")
    outcome, _log = _push(connected, invoices)
    assert (outcome.created, outcome.failed) == (49, 1)
    failed = InvoiceLink.objects.get(invoice=invoices[-1])
    assert failed.status == LinkStatus.FAILED
    assert "account 41900" in failed.last_error and "archived" in failed.last_error
    assert Invoice.objects.filter(status=InvoiceStatus.PROCESSED).count() == 49
    puts = [e for e in sandbox.log(connected.xero_tenant_id)
            if e["method"] == "PUT" and e["path"].endswith("/Invoices")]
    assert len(puts) == 1
    sent = {i["InvoiceNumber"]: i for i in _xero_invoices(sandbox, connected)}
    for invoice in invoices[:49]:
        invoice.refresh_from_db()
        assert D(str(sent[invoice.display_number]["Total"])) == invoice.total_amount


def test_it_reports_xeros_own_message_when_an_account_is_archived_mid_run(connected, sandbox, au_entity):
    customers = [f.customer()]
    invoices = _released(au_entity, customers, 3) + _released(au_entity, customers, 1, code="41120")
    with xero_client(connected) as client:
        chart = ChartCheck(client)
        chart.account_problem("41110")  # the chart is read (and cached) at the start of the run
    sandbox.control("POST", f"tenants/{connected.xero_tenant_id}/accounts/41120", Status="ARCHIVED")
    outcome, _log = _push(connected, invoices, chart=chart)
    assert (outcome.created, outcome.failed) == (3, 1)
    link = InvoiceLink.objects.get(invoice=invoices[-1])
    assert link.last_error.startswith("Xero: Account code '41120' has been archived")


def test_it_holds_an_invoice_dated_inside_the_lock_period(connected, sandbox, au_entity):
    [invoice] = _released(au_entity, [f.customer()], 1)
    sandbox.control("POST", f"tenants/{connected.xero_tenant_id}/lock-date", date="2026-04-30")
    XeroTenant.objects.filter(pk=connected.pk).update(organisation_read_at=None)
    log = CollectingLog()
    tenant_run(tenant=connected, lease=LeaseKind.PUSH,
               work=lambda client: invoices_push(tenant=XeroTenant.objects.get(pk=connected.pk), invoices=[invoice],
                                                 client=client, log=log))
    link = InvoiceLink.objects.get(invoice=invoice)
    assert link.status == LinkStatus.FAILED and "Blocked by lock date 30/04/2026" in link.last_error
    assert _xero_invoices(sandbox, connected) == []


def test_it_keeps_the_xero_line_ids_when_a_correction_is_pushed(connected, sandbox, au_entity):
    [invoice] = _released(au_entity, [f.customer()], 1)
    _push(connected, [invoice])
    link = InvoiceLink.objects.get(invoice=invoice)
    ids_before = dict(link.line_item_ids)
    Invoice.objects.filter(pk=invoice.pk).update(reference="PO-CHANGED", revision=2)
    outcome, _ = _push(connected, [Invoice.objects.get(pk=invoice.pk)])
    assert outcome.updated == 1
    [xero] = _xero_invoices(sandbox, connected)
    assert xero["Reference"] == "PO-CHANGED"
    assert sorted(line["LineItemID"] for line in xero["LineItems"]) == sorted(ids_before.values())


@pytest.mark.slow
def test_it_lands_every_invoice_and_contact_exactly_once_under_dropped_answers_500s_and_429_storms(
    connected, sandbox, au_entity
):
    customers = [f.customer(code=f"C{n:04d}", name=f"Fault Test Customer {n}") for n in range(12)]
    invoices = _released(au_entity, customers, 120)
    # Seeded; batches overlap (several in flight), so which call meets which fault varies, never the outcome.
    sandbox.configure(fault_seed=7)
    sandbox.set_faults(connected.xero_tenant_id, drop_rate=0.4, error_500_rate=0.15, storm_429=3)
    for _attempt in range(25):
        pending = [i for i in invoices if not InvoiceLink.objects.filter(
            invoice=i, tenant=connected, status=LinkStatus.SYNCED).exists()]
        if not pending:
            break
        log = CollectingLog()
        try:
            tenant_run(tenant=connected, lease=LeaseKind.PUSH,
                       work=lambda client, pending=pending, log=log: invoices_push(
                           tenant=connected, invoices=pending, client=client, log=log))
        except WaitForXeroError:
            continue  # a re-trigger, as the job would be
    sandbox.clear_faults(connected.xero_tenant_id)
    state = sandbox.state()["orgs"][connected.xero_tenant_id]
    numbers = [i["InvoiceNumber"] for i in state["invoices"]]
    assert sorted(numbers) == sorted(i.display_number for i in invoices)  # each exactly once
    for customer in customers:
        assert sum(1 for c in state["contacts"] if c.get("ContactNumber") == customer.code) == 1
    totals = {i["InvoiceNumber"]: D(str(i["Total"])) for i in state["invoices"]}
    for invoice in Invoice.objects.filter(pk__in=[i.pk for i in invoices]):
        assert invoice.status == InvoiceStatus.PROCESSED
        assert totals[invoice.display_number] == invoice.total_amount
    log = sandbox.log(connected.xero_tenant_id)
    assert any(e.get("problem") == "dropped" for e in log), "the fault mix should have dropped some answers"
    assert any(e["status"] == 500 and e["method"] in ("PUT", "POST") for e in log), "and failed some writes"


def test_it_voids_a_pushed_invoice_cancelled_in_bms_and_shows_xeros_refusal_when_it_has_payments(
    connected, sandbox, au_entity
):
    from bms.billing.services import invoice_cancel
    from bms.xero.selectors import invoices_due_for_push

    first, second = _released(au_entity, [f.customer()], 2)
    _push(connected, [first, second])
    for invoice in (first, second):
        invoice_cancel(invoice=Invoice.objects.get(pk=invoice.pk))
    # A payment made in Xero that BMS has not pulled yet: Xero refuses to void that one.
    sandbox.control("POST", f"tenants/{connected.xero_tenant_id}/payments", invoice_number=second.display_number,
                    amount="10.00", date="2026-05-01")
    due = list(invoices_due_for_push(connected))
    assert {i.pk for i in due} == {first.pk, second.pk}
    outcome, _ = _push(connected, due)
    statuses = {i["InvoiceNumber"]: i["Status"] for i in _xero_invoices(sandbox, connected)}
    assert statuses[first.display_number] == "VOIDED"
    assert (outcome.updated, outcome.failed) == (1, 1)
    refused = InvoiceLink.objects.get(invoice=second)
    assert refused.status == LinkStatus.FAILED and "Payments must be removed" in refused.last_error
    assert list(invoices_due_for_push(connected)) == []  # not re-sent until something changes
