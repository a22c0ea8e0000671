"""Payments on demand (issue 17 item 3), against the sandbox over real HTTP: "Pull payments now" on
an invoice's Xero panel and on the entity page queues one pull of that organisation, and each
payment keeps Xero's reference, date and account."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from bms.billing.models import Invoice, Payment, PaymentSource
from bms.jobs import engine
from bms.jobs.models import Job, JobStatus
from bms.testing import factories as f
from bms.xero.services.actions import payments_pull_request
from bms.xero.services.invoices import invoices_push
from bms.xero.services.payments import payments_pull
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import xero_client
from bms.xero.tests.test_invoices import _released

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


@pytest.fixture
def pushed(connected, au_entity):
    invoices = _released(au_entity, [f.customer(code="C0201", name="Pull Now Pty Ltd")], 1)
    with xero_client(connected) as client:
        invoices_push(tenant=connected, invoices=invoices, client=client, log=CollectingLog())
    return Invoice.objects.get(pk=invoices[0].pk)


def _pay_in_xero(sandbox, tenant, invoice, amount, **extra):
    return sandbox.control("POST", f"tenants/{tenant.xero_tenant_id}/payments", invoice_number=invoice.display_number,
                           amount=str(amount), **extra)


def test_it_keeps_xeros_reference_date_and_account_on_the_payment(connected, sandbox, pushed, admin_client):
    _pay_in_xero(sandbox, connected, pushed, D("50.00"), date="2026-05-02", reference="EFT 4471 ACME",
                 account_code="10200")
    with xero_client(connected) as client:
        payments_pull(tenant=connected, client=client, log=CollectingLog())
    payment = Payment.objects.get(invoice=pushed)
    assert (payment.reference, payment.paid_on, payment.account_code, payment.source) == (
        "EFT 4471 ACME", date(2026, 5, 2), "10200", PaymentSource.XERO)
    row = admin_client.get(reverse("billing:invoice_detail", args=[pushed.pk])).content.decode()
    assert "<td>02/05/2026</td><td>EFT 4471 ACME</td><td>Pulled from Xero</td><td>10200</td>" in row
    assert "Xero payment" not in row


def test_finance_pulls_payments_now_from_the_invoice_panel(connected, sandbox, pushed, finance_user):
    _pay_in_xero(sandbox, connected, pushed, pushed.total_amount, date="2026-05-03", reference="Remittance 88")
    client = Client(enforce_csrf_checks=True)
    client.force_login(finance_user)
    page = client.get(reverse("billing:invoice_detail", args=[pushed.pk]))
    assert b"Pull payments now" in page.content
    url = reverse("xero:payments_pull_now", args=[pushed.entity_id])
    assert client.post(url, {"invoice": pushed.pk}).status_code == 403  # no CSRF token: refused
    assert not Job.objects.filter(kind="xero.payments.pull").exists()
    response = client.post(url, {"invoice": pushed.pk, "csrfmiddlewaretoken": page.cookies["csrftoken"].value})
    assert response["Location"] == reverse("billing:invoice_detail", args=[pushed.pk])
    job = Job.objects.get(kind="xero.payments.pull")
    assert job.status == JobStatus.COMPLETED and job.requested_by == finance_user, job.result
    assert job.params == {"tenant_id": connected.pk}
    pushed.refresh_from_db()
    assert pushed.balance_amount == D("0.00")
    assert Payment.objects.get(invoice=pushed).reference == "Remittance 88"
    # The job it points to is one the finance user can open.
    assert client.get(reverse("jobs:job_detail", args=[job.pk])).status_code == 200


def test_staff_cannot_pull_payments(connected, pushed, staff_client):
    assert staff_client.post(reverse("xero:payments_pull_now", args=[pushed.entity_id])).status_code == 403
    assert not Job.objects.filter(kind="xero.payments.pull").exists()


def test_two_clicks_on_the_entity_page_queue_one_pull(connected, au_entity, admin_client, monkeypatch):
    page = admin_client.get(reverse("entities:entity_detail", args=[au_entity.pk]))
    assert b"Pull payments now" in page.content
    monkeypatch.setattr(engine, "dispatch", lambda job_id, eta=None: None)  # every worker is busy
    url = reverse("xero:payments_pull_now", args=[au_entity.pk])
    first = admin_client.post(url, follow=True)
    second = admin_client.post(url, follow=True)
    [job] = Job.objects.filter(kind="xero.payments.pull")
    assert job.status == JobStatus.QUEUED
    assert f"Queued as background job #{job.pk}".encode() in first.content
    assert f"already waiting: background job #{job.pk}".encode() in second.content


def test_a_pull_is_queued_once_however_close_the_requests(connected, au_entity, admin_user):
    with transaction.atomic():  # both before the first is handed to a worker
        job, queued = payments_pull_request(entity=au_entity, user=admin_user)
        again, queued_again = payments_pull_request(entity=au_entity, user=admin_user)
    assert (queued, queued_again) == (True, False) and again.pk == job.pk
    assert Job.objects.filter(kind="xero.payments.pull").count() == 1


def test_it_says_an_entity_without_a_connection_cannot_pull(xero_active, admin_client):
    other = f.entity("NZ", time_zone="Pacific/Auckland")
    response = admin_client.post(reverse("xero:payments_pull_now", args=[other.pk]), follow=True)
    assert f"{other.name} is not connected to Xero (Admin → Entities).".encode() in response.content
    assert not Job.objects.filter(kind="xero.payments.pull").exists()


def test_a_payment_on_an_invoice_read_again_after_a_refusal_keeps_xeros_reference_and_account(
        connected, sandbox, au_entity):
    """The feed carried the payment only on pulls that could not apply its invoice; once the cursor is
    past it, the pull reads the invoice again (not the feed) and asks Xero for that invoice's payments."""
    invoices = _released(au_entity, [f.customer(code="C0202", name="Read Again Pty Ltd")], 2)
    with xero_client(connected) as client:
        invoices_push(tenant=connected, invoices=invoices, client=client, log=CollectingLog())
    refused, other = invoices

    def pull():
        log = CollectingLog()
        with xero_client(connected) as client:
            payments_pull(tenant=connected, client=client, log=log)
        return log

    _pay_in_xero(sandbox, connected, refused, D("20.00"), date="2026-05-04", reference="Part 1",
                 account_code="10100")
    store = sandbox.sandbox.store
    xero_invoice = next(i for i in store.orgs[connected.xero_tenant_id]["invoices"].values()
                        if i["InvoiceNumber"] == refused.display_number)
    with store.lock:
        xero_invoice["Total"] += D("1.00")  # totals differ: the pull refuses the invoice
    assert pull().errors() and not Payment.objects.filter(invoice=refused).exists()
    sandbox.advance_clock(600)
    _pay_in_xero(sandbox, connected, other, D("5.00"), date="2026-05-05")
    pull()  # the cursor moves past the refused invoice's payment (still refused)
    with store.lock:
        xero_invoice["Total"] -= D("1.00")  # put right in Xero
    sandbox.clear_log()
    assert not pull().errors()
    payment = Payment.objects.get(invoice=refused)
    assert (payment.reference, payment.account_code, payment.paid_on) == ("Part 1", "10100", date(2026, 5, 4))
    payment_reads = [entry for entry in sandbox.log(connected.xero_tenant_id)
                     if entry["method"] == "GET" and entry["path"].endswith("/Payments")]
    assert len(payment_reads) == 2  # the feed (which no longer carries it), then that invoice's payments
