"""Changes made on either side come across (issue #15 items 5 and 6), against the sandbox over HTTP:
a void and a delete made in Xero reach the invoice's panel with Cancel in BMS and Accept; a cancel
in BMS queues the void at once ("Void pending", then "Voided in Xero"); the scheduled push re-sends
customers edited since their last push, and only those."""

from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.models import Invoice, InvoiceStatus
from bms.core.models import AuditEvent
from bms.customers.services import customer_update
from bms.jobs.models import Job
from bms.jobs.services import job_enqueue
from bms.testing import factories as f
from bms.xero.client.schemas import Invoice as XeroInvoice
from bms.xero.models import ContactLink, EntityXeroConnection, InvoiceLink
from bms.xero.services.contacts import contacts_sync
from bms.xero.services.invoice_changes import invoice_void_on_cancel
from bms.xero.services.payments import VOIDED, payments_pull
from bms.xero.services.pull_apply import CAUSE_VOIDED
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import xero_client
from bms.xero.tests.test_invoices import _push, _released, _xero_invoices

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def _pull(tenant):
    log = CollectingLog()
    with xero_client(tenant) as client:
        return payments_pull(tenant=tenant, client=client, log=log), log


def _in_xero(tenant, invoice, status, key):
    """What a person does in Xero: void an approved invoice, delete a draft (real HTTP, not BMS's push)."""
    link = InvoiceLink.objects.get(invoice=invoice)
    with xero_client(tenant) as client:
        client.update_or_create_invoices([XeroInvoice(invoice_id=link.xero_id, status=status)], idempotency_key=key)


def _panel(admin_client, invoice):
    return admin_client.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()


def _writes(sandbox, tenant, resource):
    return [e for e in sandbox.log(tenant.xero_tenant_id)
            if e["method"] in ("PUT", "POST") and e["path"].split("/")[-1] == resource]


def test_a_void_and_a_delete_made_in_xero_come_back_with_cancel_in_bms_and_accept(admin_client, connected, sandbox,
                                                                                   au_entity):
    voided, deleted = _released(au_entity, [f.customer()], 2)
    _push(connected, [voided])
    EntityXeroConnection.objects.filter(entity=au_entity).update(invoice_status="DRAFT")
    _push(connected, [deleted])
    _in_xero(connected, voided, "VOIDED", "someone-in-xero-1")
    _in_xero(connected, deleted, "DELETED", "someone-in-xero-2")

    outcome, log = _pull(connected)
    assert outcome.counts[VOIDED] == 2 and outcome.failed == 0
    assert sorted(line[2] for line in log.lines if line[0] == "warning") == [CAUSE_VOIDED, CAUSE_VOIDED]
    link = InvoiceLink.objects.get(invoice=voided)
    assert (link.xero_status, link.xero_seen_at is not None) == ("VOIDED", True)
    page = _panel(admin_client, voided)
    assert "Voided in Xero on" in page and "BMS still shows it Processed with" in page
    assert "Cancel in BMS" in page and ">Accept</button>" in page
    assert "Deleted in Xero on" in _panel(admin_client, deleted)
    assert Invoice.objects.get(pk=voided.pk).balance_amount == voided.total_amount  # BMS's money untouched

    writes_before = len(_writes(sandbox, connected, "Invoices"))
    admin_client.post(reverse("xero:invoice_cancel_to_match", args=[voided.pk, link.pk]))
    assert Invoice.objects.get(pk=voided.pk).status == InvoiceStatus.CANCELLED
    page = _panel(admin_client, voided)
    assert "Voided in Xero</div>" in page and "Void pending" not in page and "Cancel in BMS" not in page
    # Xero already holds it voided: nothing is queued or sent.
    assert not Job.objects.filter(kind="xero.invoices.push").exists()
    assert len(_writes(sandbox, connected, "Invoices")) == writes_before
    assert AuditEvent.objects.filter(action="xero.invoice_cancelled_to_match").count() == 1

    deleted_link = InvoiceLink.objects.get(invoice=deleted)
    admin_client.post(reverse("xero:invoice_accept_difference", args=[deleted.pk, deleted_link.pk]))
    page = _panel(admin_client, deleted)
    assert "Difference accepted." in page and ">Accept</button>" not in page
    assert Invoice.objects.get(pk=deleted.pk).status == InvoiceStatus.PROCESSED
    assert AuditEvent.objects.filter(action="xero.invoice_difference_accepted").count() == 1

    again, _ = _pull(connected)  # a pull that sees nothing new tells nothing again
    assert again.counts.get(VOIDED, 0) == 0 and again.failed == 0


def test_accept_is_refused_for_an_invoice_xero_still_holds(admin_client, connected, sandbox, au_entity):
    [invoice] = _released(au_entity, [f.customer()], 1)
    _push(connected, [invoice])
    link = InvoiceLink.objects.get(invoice=invoice)
    response = admin_client.post(reverse("xero:invoice_accept_difference", args=[invoice.pk, link.pk]), follow=True)
    assert b"Xero does not show invoice" in response.content
    assert not AuditEvent.objects.filter(action="xero.invoice_difference_accepted").exists()


def test_a_staff_user_cannot_cancel_or_accept(client, connected, sandbox, au_entity):
    from bms.core.testing import persona

    [invoice] = _released(au_entity, [f.customer()], 1)
    _push(connected, [invoice])
    link = InvoiceLink.objects.get(invoice=invoice)
    client.force_login(persona("staff"))
    for name in ("xero:invoice_cancel_to_match", "xero:invoice_accept_difference"):
        assert client.post(reverse(name, args=[invoice.pk, link.pk])).status_code == 403
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PROCESSED


def test_cancelling_a_sent_invoice_queues_its_void_at_once(admin_client, connected, sandbox, au_entity):
    [invoice] = _released(au_entity, [f.customer()], 1)
    _push(connected, [invoice])
    sandbox.set_faults(connected.xero_tenant_id, error_503_rate=1.0)  # Xero answers later, not now
    admin_client.post(reverse("billing:invoice_cancel", args=[invoice.pk]))
    job = Job.objects.get(kind="xero.invoices.push", retry_of=None)
    assert job.params == {"tenant_id": connected.pk, "invoice_ids": [invoice.pk]}
    assert job.description == f"Void invoice {invoice.display_number} in {connected.name}"
    page = _panel(admin_client, invoice)
    assert "Void pending" in page and "Voided in Xero" not in page

    sandbox.clear_faults(connected.xero_tenant_id)
    invoice_void_on_cancel(invoice_id=invoice.pk)  # the waiting job's next run
    xero_copy = next(i for i in _xero_invoices(sandbox, connected) if i["InvoiceNumber"] == invoice.display_number)
    assert xero_copy["Status"] == "VOIDED"
    page = _panel(admin_client, invoice)
    assert "Voided in Xero" in page and "Void pending" not in page
    assert invoice_void_on_cancel(invoice_id=invoice.pk) == []  # nothing left to send


def test_cancel_is_refused_while_xero_holds_payments_and_nothing_is_queued(admin_client, connected, sandbox,
                                                                          au_entity):
    [invoice] = _released(au_entity, [f.customer()], 1)
    _push(connected, [invoice])
    sandbox.pay_invoice(connected.xero_tenant_id, invoice_number=invoice.display_number, amount="10.00")
    _pull(connected)
    response = admin_client.post(reverse("billing:invoice_cancel", args=[invoice.pk]), follow=True)
    assert b"has payments against it; reverse them before cancelling" in response.content
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PROCESSED
    assert not Job.objects.filter(kind="xero.invoices.push").exists()


def test_the_schedule_resends_customers_edited_since_their_last_push_and_only_those(connected, sandbox):
    edited = f.customer(code="C0101", name="Edited Pty Ltd")
    untouched = f.customer(code="C0102", name="Untouched Pty Ltd")
    with xero_client(connected) as client:
        assert contacts_sync(tenant=connected, customers=[edited, untouched], client=client,
                             log=CollectingLog()).created == 2
    untouched_before = ContactLink.objects.get(customer=untouched)
    customer_update(customer=edited, name="Edited Again Pty Ltd")
    sandbox.clear_log()

    job_enqueue(kind="xero.push_all", description="Push released invoices to Xero")  # the schedule's run
    [contacts_job] = Job.objects.filter(kind="xero.customers.sync")
    assert contacts_job.params == {"tenant_id": connected.pk, "customer_ids": [edited.pk]}
    assert "1 updated" in contacts_job.result
    writes = _writes(sandbox, connected, "Contacts")
    assert len(writes) == 1  # one call, carrying the edited customer only
    names = {c["ContactNumber"]: c["Name"] for c in sandbox.state()["orgs"][connected.xero_tenant_id]["contacts"]}
    assert names["C0101"] == "Edited Again Pty Ltd"
    untouched_after = ContactLink.objects.get(customer=untouched)
    assert (untouched_after.last_pushed_at, untouched_after.revision_pushed) == (
        untouched_before.last_pushed_at, untouched_before.revision_pushed)

    job_enqueue(kind="xero.push_all", description="Push released invoices to Xero")  # nothing edited since
    assert Job.objects.filter(kind="xero.customers.sync").count() == 1
    assert len(_writes(sandbox, connected, "Contacts")) == 1
