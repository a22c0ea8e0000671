"""A payment entered in BMS before connecting whose send to Xero failed is not sent again by the
schedule; once the cause is fixed, Re-send failed records on the job's page, or Sync Invoice with Xero
on its invoice, sends it (under a fresh key), exactly once — against the sandbox over HTTP."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.models import Invoice
from bms.billing.services import InvoiceLineData
from bms.jobs.models import Job, JobStatus
from bms.jobs.services import job_enqueue, job_run
from bms.testing import factories as f
from bms.xero.models import LinkStatus, PaymentSendLink, XeroTenant
from bms.xero.services.payments import payments_pull
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import authenticate, xero_client
from bms.xero.tests.test_going_live import _in_xero, _settled

pytestmark = pytest.mark.django_db
D = Decimal


def _failed_for_want_of_an_account(admin_client, connected, au_entity) -> tuple[Invoice, Job]:
    """An invoice settled in BMS before connecting (two payments, 220.00), pushed while no payments
    account is chosen: the invoice goes, both payments fail; the schedule's next push sends neither."""
    lines = [InvoiceLineData("Lathe", D("2"), D("100"), f.account("41110"), f.tax_rate())]
    invoice = _settled(au_entity, f.customer(), date(2026, 5, 4), lines)
    authenticate(admin_client, au_entity)  # such payments exist now: BMS asks for accounting.payments
    XeroTenant.objects.filter(pk=connected.pk).update(payments_account_code="")
    for _ in range(2):  # the second is the schedule's next push
        job_run(job_id=job_enqueue(kind="xero.invoices.push", description="Push invoices",
                                   params={"tenant_id": connected.pk}).pk)
    links = PaymentSendLink.objects.filter(payment__invoice=invoice)
    assert {(link.status, link.error_cause) for link in links} == {(LinkStatus.FAILED, "no payments account chosen")}
    assert links.count() == 2
    XeroTenant.objects.filter(pk=connected.pk).update(payments_account_code="10100")
    return invoice, Job.objects.filter(kind="xero.invoices.push").order_by("pk").first()


def _paid_in_xero_once(sandbox, tenant, invoice: Invoice) -> None:
    payments = sandbox.state()["orgs"][tenant.xero_tenant_id]["payments"]
    assert sorted(D(str(p["Amount"])) for p in payments) == [D("60.00"), D("160.00")]  # each once
    xero = _in_xero(sandbox, tenant)[invoice.display_number]
    assert (xero["Status"], D(str(xero["AmountDue"]))) == ("PAID", D("0.00"))
    assert set(PaymentSendLink.objects.filter(payment__invoice=invoice).values_list("status", flat=True)) == {
        LinkStatus.SYNCED}
    # The pull reads them back as the same payments: BMS's balance agrees with Xero's amount due.
    with xero_client(tenant) as client:
        assert payments_pull(tenant=tenant, client=client, log=CollectingLog()).failed == 0
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert (invoice.balance_amount, invoice.payments.count()) == (D("0.00"), 2)


def test_re_send_failed_records_sends_payments_that_failed_for_want_of_an_account(
        admin_client, connected, sandbox, au_entity):
    invoice, job = _failed_for_want_of_an_account(admin_client, connected, au_entity)
    assert sandbox.state()["orgs"][connected.xero_tenant_id]["payments"] == []
    [group] = admin_client.get(reverse("jobs:job_detail", args=[job.pk])).context["errors_by_cause"]
    assert (group["cause"], group["to_resend"]) == ("no payments account chosen", 2)
    epochs = set(PaymentSendLink.objects.filter(payment__invoice=invoice).values_list("key_epoch", flat=True))

    admin_client.post(reverse("jobs:job_resend", args=[job.pk]), {"cause": group["cause"]})

    [resend] = Job.objects.filter(retry_of=job)
    assert resend.params == {"tenant_id": connected.pk,
                             "payment_ids": sorted(invoice.payments.values_list("pk", flat=True))}
    assert resend.status == JobStatus.QUEUED
    job_run(job_id=resend.pk)
    _paid_in_xero_once(sandbox, connected, invoice)
    fresh = set(PaymentSendLink.objects.filter(payment__invoice=invoice).values_list("key_epoch", flat=True))
    assert fresh == {epoch + 1 for epoch in epochs}  # Xero caches a refusal by key: a fresh one

    job_run(job_id=job_enqueue(kind="xero.invoices.push", description="Push invoices",
                               params={"tenant_id": connected.pk}).pk)
    assert len(sandbox.state()["orgs"][connected.xero_tenant_id]["payments"]) == 2  # never twice


def test_sync_invoice_with_xero_sends_its_failed_payments_again(admin_client, connected, sandbox, au_entity):
    invoice, _ = _failed_for_want_of_an_account(admin_client, connected, au_entity)

    admin_client.post(reverse("xero:invoice_sync", args=[invoice.pk]))

    job_run(job_id=Job.objects.filter(kind="xero.invoices.push", params__invoice_ids=[invoice.pk]).get().pk)
    _paid_in_xero_once(sandbox, connected, invoice)
