"""Re-send failed records, against the sandbox over real HTTP: Xero refuses two invoices for a
real cause (a lock date set in Xero after BMS last read the organisation), the push ends amber,
the cause is fixed in Xero, and re-sending that cause puts each invoice in Xero once — with
Xero's totals and status equal to BMS's."""

from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.models import Invoice, InvoiceStatus
from bms.jobs.models import Job, JobStatus
from bms.testing import factories as f
from bms.xero.models import InvoiceLink, LinkStatus
from bms.xero.tests.test_invoices import _released

pytestmark = pytest.mark.django_db(transaction=True)


def _lock_refused_push(admin_client, connected, sandbox, au_entity):
    invoices = _released(au_entity, [f.customer(code="C0101", name="Lock One Pty Ltd"),
                                       f.customer(code="C0102", name="Lock Two Pty Ltd")], 2)
    # The adviser locks April in Xero; BMS read the organisation (no lock date) when it connected.
    sandbox.set_lock_date(connected.xero_tenant_id, "2026-04-30")
    admin_client.post(reverse("xero:invoices_push_all"))
    job = Job.objects.get(kind="xero.invoices.push")
    return invoices, job


def test_a_push_xero_refuses_two_invoices_of_ends_amber_with_one_cause(admin_client, connected, sandbox, au_entity):
    invoices, job = _lock_refused_push(admin_client, connected, sandbox, au_entity)
    assert job.status == JobStatus.COMPLETED_WITH_ERRORS and job.error_count == 2
    [group] = admin_client.get(reverse("jobs:job_detail", args=[job.pk])).context["errors_by_cause"]
    assert group["count"] == 2 and group["to_resend"] == 2 and "lock date" in group["cause"]
    assert sorted(job.log_entries.filter(level="error").values_list("record_ref", flat=True)) == sorted(
        f"invoice:{invoice.pk}" for invoice in invoices)
    assert not sandbox.state()["orgs"][connected.xero_tenant_id]["invoices"]


def test_re_sending_the_cause_after_the_fix_puts_each_invoice_in_xero_once(admin_client, connected, sandbox,
                                                                           au_entity):
    invoices, job = _lock_refused_push(admin_client, connected, sandbox, au_entity)
    [group] = admin_client.get(reverse("jobs:job_detail", args=[job.pk])).context["errors_by_cause"]
    sandbox.set_lock_date(connected.xero_tenant_id, None)  # the adviser moves it back
    url = reverse("jobs:job_resend", args=[job.pk])
    admin_client.post(url, {"cause": group["cause"]})
    admin_client.post(url, {"cause": group["cause"]})  # a second click sends nothing more
    [resend] = Job.objects.filter(retry_of=job)
    assert resend.kind == "xero.records.resend" and resend.status == JobStatus.COMPLETED, resend.result
    assert resend.params == {"tenant_id": connected.pk, "invoice_ids": sorted(i.pk for i in invoices)}
    held = {x["InvoiceNumber"]: x for x in sandbox.state()["orgs"][connected.xero_tenant_id]["invoices"]}
    assert sorted(held) == sorted(i.display_number for i in invoices)  # each once
    for invoice in Invoice.objects.filter(pk__in=[i.pk for i in invoices]):
        xero = held[invoice.display_number]
        assert Decimal(str(xero["Total"])) == invoice.total_amount and xero["Status"] == "AUTHORISED"
        assert Decimal(str(xero["AmountDue"])) == invoice.balance_amount
        assert invoice.status == InvoiceStatus.PROCESSED
    assert InvoiceLink.objects.filter(invoice__in=invoices, status=LinkStatus.SYNCED).count() == 2


def test_a_record_sent_since_is_not_sent_again_by_a_re_send(admin_client, connected, sandbox, au_entity):
    invoices, job = _lock_refused_push(admin_client, connected, sandbox, au_entity)
    sandbox.set_lock_date(connected.xero_tenant_id, None)
    admin_client.post(reverse("xero:invoice_sync", args=[invoices[0].pk]))  # fixed and sent by hand
    sandbox.clear_log()
    admin_client.post(reverse("jobs:job_resend", args=[job.pk]))
    resend = Job.objects.get(retry_of=job)
    assert resend.status == JobStatus.COMPLETED
    creates = [entry for entry in sandbox.log(connected.xero_tenant_id)
               if entry["method"] in ("PUT", "POST") and "/Invoices" in entry["path"]]
    assert len(creates) == 1  # only the one still failed went
    assert len(sandbox.state()["orgs"][connected.xero_tenant_id]["invoices"]) == 2



def test_a_push_whose_connection_xero_no_longer_accepts_ends_amber_not_green(admin_client, connected, sandbox,
                                                                            au_entity):
    from django.utils import timezone

    from bms.xero.models import XeroGrant

    _released(au_entity, [f.customer(code="C0103", name="Parked Pty Ltd")], 1)
    sandbox.control("POST", f"grants/{sandbox.state()['grants'][0]['grant_id']}/revoke")
    XeroGrant.objects.update(access_expires_at=timezone.now())  # the next call must refresh, and is refused
    admin_client.post(reverse("xero:invoices_push_all"))
    job = Job.objects.get(kind="xero.invoices.push")
    assert job.result.startswith("Parked: ") and "needs re-authentication" in job.result
    assert job.status == JobStatus.COMPLETED_WITH_ERRORS
