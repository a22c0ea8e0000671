"""Xero work as background jobs: the Sync buttons, and Xero's day limit parking a tenant."""

import pytest
from django.urls import reverse

from bms.billing.models import Invoice, InvoiceStatus
from bms.jobs.models import Job, JobStatus
from bms.preferences.models import GeneralSettings
from bms.testing import factories as f
from bms.xero.models import InvoiceLink, LinkStatus
from bms.xero.tests.test_invoices import _released

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_pushes_an_invoice_from_its_sync_button_as_a_job(admin_client, connected, sandbox, au_entity):
    [invoice] = _released(au_entity, [f.customer()], 1)
    response = admin_client.post(reverse("xero:invoice_sync", args=[invoice.pk]), follow=True)
    assert b"Queued as background job" in response.content
    job = Job.objects.get(kind="xero.invoices.push")
    assert job.status == JobStatus.COMPLETED and "1 created" in job.result
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PROCESSED
    page = admin_client.get(reverse("billing:invoice_detail", args=[invoice.pk]))
    assert b"View Xero Invoice" in page.content and invoice.display_number.encode() in page.content


def test_it_syncs_a_customer_from_its_button_and_forgets_the_link_on_delete_integration(
    admin_client, connected, sandbox
):
    customer = f.customer(code="C0777", name="Button Customer Pty Ltd")
    admin_client.post(reverse("xero:customer_sync", args=[customer.pk]))
    page = admin_client.get(reverse("billing:customer_detail", args=[customer.pk]))
    assert b"View in Xero" in page.content and b"<td>Synced" in page.content
    admin_client.post(reverse("xero:customer_unlink", args=[customer.pk]))
    contacts = sandbox.state()["orgs"][connected.xero_tenant_id]["contacts"]
    assert any(c["ContactNumber"] == "C0777" for c in contacts)  # nothing deleted in Xero
    assert not customer.xero_links.exists()


def test_it_parks_a_tenant_on_a_day_limit_and_schedules_the_push_for_later(admin_client, connected, sandbox,
                                                                           au_entity):
    [invoice] = _released(au_entity, [f.customer()], 1)
    sandbox.configure(day_limit=2)  # two calls left today: reading the organisation and the chart spend them
    admin_client.post(reverse("xero:invoice_sync", args=[invoice.pk]))
    first = Job.objects.filter(kind="xero.invoices.push").order_by("pk").first()
    assert first.status == JobStatus.COMPLETED
    assert "waiting for Xero's day limit until" in first.result and "(Australia/Sydney)" in first.result
    later = Job.objects.filter(kind="xero.invoices.push", retry_of=first).get()
    assert later.status == JobStatus.QUEUED  # scheduled for when Xero allows it, not failed
    # The queued run says what it waits for, until when, in the entity's time (its list row and page).
    assert later.result.startswith("waiting for Xero's day limit until ") and later.result.endswith(
        "(Australia/Sydney)")
    listing = admin_client.get(reverse("jobs:job_list")).content.decode()
    assert later.result.replace("'", "&#x27;") in listing
    assert not InvoiceLink.objects.filter(invoice=invoice, status=LinkStatus.FAILED).exists()


def test_a_push_pressed_while_another_job_sends_waits_and_runs_after_it(admin_client, connected, sandbox,
                                                                        au_entity):
    from datetime import timedelta

    from django.utils import timezone

    from bms.xero.models import TenantLease

    [invoice] = _released(au_entity, [f.customer()], 1)
    # A worker on another machine is sending to this organisation.
    TenantLease.objects.create(tenant=connected, kind="push", holder="other-host:4242:1",
                               expires_at=timezone.now() + timedelta(minutes=5))
    sandbox.clear_log()
    admin_client.post(reverse("xero:invoice_sync", args=[invoice.pk]))
    first = Job.objects.get(kind="xero.invoices.push", retry_of=None)
    assert first.status == JobStatus.COMPLETED
    assert "already exchanging customers and invoices with" in first.result
    assert "continues automatically" in first.result
    later = Job.objects.get(kind="xero.invoices.push", retry_of=first)
    assert later.status == JobStatus.QUEUED and later.not_before_at is not None  # not dropped
    assert not sandbox.log(connected.xero_tenant_id)  # nothing was sent meanwhile


def test_it_makes_no_call_when_the_package_is_not_xero(admin_client, connected, sandbox, au_entity):
    [invoice] = _released(au_entity, [f.customer()], 1)
    GeneralSettings.objects.filter(pk=1).update(integration_package="bms")
    sandbox.control("DELETE", "log")
    response = admin_client.post(reverse("xero:invoice_sync", args=[invoice.pk]), follow=True)
    assert b"The Xero package is not active" in response.content
    assert sandbox.log() == []


def test_it_syncs_from_the_command_line_with_a_summary(connected, sandbox, au_entity, capsys):
    from django.core.management import call_command

    _released(au_entity, [f.customer()], 3)
    call_command("sync", "invoices", "--entity", "AU")
    out = capsys.readouterr().out
    assert "Invoices — Acme Distribution (Xero AU)" in out and "3 created" in out
    call_command("sync", "accounts", "--all")
    assert "accounts added" in capsys.readouterr().out


def test_it_offers_the_bulk_actions_and_queues_a_job_per_organisation(admin_client, connected, au_entity):
    f.customer(code="C0900", name="Bulk One Pty Ltd")
    listing = admin_client.get(reverse("billing:customer_list"))
    assert b"Sync all customers with Xero" in listing.content
    admin_client.post(reverse("xero:customers_sync_all"))
    job = Job.objects.get(kind="xero.customers.sync")
    assert job.status == JobStatus.COMPLETED and job.requested_by is not None
    assert b"Push released invoices to Xero" in admin_client.get(reverse("billing:invoice_list")).content


def test_a_big_backlog_is_sent_in_runs_that_queue_behind_other_organisations(connected, sandbox, au_entity,
                                                                             settings):
    from bms.jobs.services import job_enqueue

    settings.XERO_PUSH_CHUNK = 2
    invoices = _released(au_entity, [f.customer()], 5)
    job_enqueue(kind="xero.invoices.push", description="Push invoices", params={"tenant_id": connected.pk})
    runs = list(Job.objects.filter(kind="xero.invoices.push").order_by("pk"))
    assert [run.total_items for run in runs] == [2, 2, 1]  # each run re-queued the rest at the back
    assert all(run.status == JobStatus.COMPLETED for run in runs)
    assert "the rest follows in the next run" in runs[0].result
    assert InvoiceLink.objects.filter(invoice__in=invoices, status=LinkStatus.SYNCED).count() == 5
    assert len(sandbox.state()["orgs"][connected.xero_tenant_id]["invoices"]) == 5
