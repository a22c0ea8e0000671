"""The sync engine's acceptance run (issue "Sync engine", Faults): 500 invoices and 200 customers over
two Xero organisations, with 20 % of write answers dropped after the commit, 10 % 5xx and 429
storms, Xero's limits on (time-scaled). Afterwards each organisation holds exactly one contact per
customer and one invoice per released invoice with equal totals, every invoice is Processed, and
the sandbox's request log shows no limit exceeded at any moment."""

from datetime import date
from decimal import Decimal

import pytest

from bms.billing.models import Invoice, InvoiceStatus
from bms.billing.services import InvoiceLineData, invoice_approve, invoice_create
from bms.jobs.models import Job
from bms.jobs.services import job_enqueue, job_run
from bms.testing import factories as f
from bms.xero.models import XeroAttempt, XeroTenant
from bms.xero.tests.conftest import connect

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
D = Decimal
CUSTOMERS = 200
INVOICES_PER_TENANT = 250
MINUTE_LIMIT, MINUTE_S = 20, 1.0  # Xero's 60 a minute, scaled so the limit binds within a test


def _release(entity, customers, count, *, tax_type, rate, currency):
    revenue = f.account("41110")
    tax = f.tax_rate(tax_type, rate, f"GST {rate}%")
    released = []
    for n in range(count):
        invoice = invoice_create(
            entity=entity, customer=customers[n % len(customers)], issued_on=date(2026, 11, 2), currency=currency,
            lines=[InvoiceLineData(f"Lathe {n}", D(1 + n % 4), D("99.9950"), revenue, tax),
                   InvoiceLineData("Freight", D("1"), D("12.50"), revenue, tax)],
        )
        released.append(invoice_approve(invoice=invoice))
    return released


def test_every_customer_and_invoice_lands_exactly_once_in_two_organisations_under_the_full_fault_mix(
    admin_client, connected, sandbox, au_entity, settings
):
    settings.XERO_LIMIT_PER_MINUTE = MINUTE_LIMIT
    settings.XERO_LIMIT_MINUTE_S = MINUTE_S
    sandbox.configure(minute_limit=MINUTE_LIMIT, minute_s=MINUTE_S, fault_seed=5)
    nz_entity = f.entity("NZ", name="Acme Distribution NZ Ltd", time_zone="Pacific/Auckland")
    nz = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("NZ"))
    connect(admin_client, nz_entity, nz)
    tenants = [connected, nz]

    customers = [f.customer(code=f"F{n:04d}", name=f"Fault Run Customer {n}") for n in range(CUSTOMERS)]
    invoices = {
        connected.pk: _release(au_entity, customers, INVOICES_PER_TENANT, tax_type="OUTPUT", rate="10",
                               currency="AUD"),
        nz.pk: _release(nz_entity, customers, INVOICES_PER_TENANT, tax_type="OUTPUT2", rate="15", currency="NZD"),
    }
    sandbox.clear_log()
    for tenant in tenants:
        sandbox.set_faults(tenant.xero_tenant_id, drop_rate=0.2, error_500_rate=0.05, error_503_rate=0.05,
                           latency_ms=20)

    # The schedule's pushes, re-run until nothing is left, as the every-15-minutes schedule would.
    for _pass in range(30):
        pending = {t.pk: Invoice.objects.filter(pk__in=[i.pk for i in invoices[t.pk]]).exclude(
            status=InvoiceStatus.PROCESSED).count() for t in tenants}
        if not any(pending.values()):
            break
        for tenant in tenants:
            if pending[tenant.pk]:
                sandbox.set_faults(tenant.xero_tenant_id, storm_429=3)  # a storm at the start of every run
                job = job_enqueue(kind="xero.invoices.push", description="acceptance", params={"tenant_id": tenant.pk})
                job_run(job_id=job.pk)
    for tenant in tenants:
        sandbox.clear_faults(tenant.xero_tenant_id)

    state = sandbox.state()["orgs"]
    for tenant in tenants:
        org = state[tenant.xero_tenant_id]
        for customer in customers:
            assert sum(1 for c in org["contacts"] if c.get("ContactNumber") == customer.code) == 1, customer.code
        xero_numbers = sorted(i["InvoiceNumber"] for i in org["invoices"])
        assert xero_numbers == sorted(i.display_number for i in invoices[tenant.pk])  # each exactly once
        totals = {i["InvoiceNumber"]: D(str(i["Total"])) for i in org["invoices"]}
        for invoice in Invoice.objects.filter(pk__in=[i.pk for i in invoices[tenant.pk]]):
            assert invoice.status == InvoiceStatus.PROCESSED
            assert totals[invoice.display_number] == invoice.total_amount

    summary = sandbox.log_summary()
    for tenant in tenants:
        peaks = summary["peaks"][tenant.xero_tenant_id]
        assert peaks["max_in_flight"] <= 5, peaks
        assert peaks["max_in_minute_window"] <= MINUTE_LIMIT, peaks
        assert peaks["max_in_day_window"] <= 5000, peaks
    # Every 429 was an injected storm: BMS itself never ran into a limit.
    assert set(summary["rate_limited"]) <= {"storm"}, summary["rate_limited"]
    log = sandbox.log()
    assert sum(1 for e in log if e.get("problem") == "dropped") >= 3  # the mix really happened
    assert sum(1 for e in log if e["status"] >= 500) >= 3
    assert summary["rate_limited"].get("storm", 0) >= 6
    assert XeroAttempt.objects.filter(outcome="uncertain").exists()
    assert Job.objects.filter(kind="xero.invoices.push").count() >= 2
