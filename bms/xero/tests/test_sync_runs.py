"""One tenant_sync for jobs and `bms sync`: one lease per kind of work, one retry layer."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from bms.jobs.models import Job, JobStatus
from bms.jobs.services import job_enqueue, job_run
from bms.testing import factories as f
from bms.xero.models import InvoiceLink, LinkStatus, TenantLease
from bms.xero.sync.leases import LeaseKind
from bms.xero.tests.test_invoices import _released

pytestmark = pytest.mark.django_db


def test_bms_sync_payments_waits_while_a_payments_job_holds_the_organisation(connected, sandbox, capsys):
    # A payments job on another worker holds the pull lease: `bms sync payments` takes the same one.
    TenantLease.objects.create(tenant=connected, kind=LeaseKind.PULL, holder="worker-2:4242:1",
                               expires_at=timezone.now() + timedelta(minutes=1))
    sandbox.clear_log()
    call_command("sync", "payments", "--entity", "AU")
    out = capsys.readouterr().out
    assert "another job is already exchanging payments" in out
    assert not [e for e in sandbox.log(connected.xero_tenant_id) if "Payments" in e["path"]]


def test_a_batch_is_sent_at_most_as_often_as_the_retry_policy_allows_in_one_job(connected, sandbox, au_entity,
                                                                                settings):
    settings.XERO_RETRY_BASE_S = 0.001
    invoices = _released(au_entity, [f.customer()], 3)
    call_command("sync", "customers", "--entity", "AU")  # the organisation, contacts and chart read first
    call_command("sync", "accounts", "--entity", "AU")
    sandbox.set_faults(connected.xero_tenant_id, error_503_rate=1.0)
    sandbox.clear_log()

    job = job_enqueue(kind="xero.invoices.push", description="Push", params={"tenant_id": connected.pk})
    job = job_run(job_id=job.pk)

    calls = sandbox.log(connected.xero_tenant_id)
    # The first calls Xero refuses (the chart's two reads, which go out together) are each tried the
    # policy's five times, then the job waits: no second layer re-runs the whole push (it was 5 × 6
    # sends before).
    sends = Counter((e["method"], e["path"].rsplit("/", 1)[-1]) for e in calls)
    assert sends == {("GET", "Accounts"): 5, ("GET", "TaxRates"): 5}, calls
    assert job.status == JobStatus.COMPLETED and "waiting for Xero's service to recover" in job.result
    # It comes back later; nothing failed. (Its not_before_at is the policy's few-millisecond wait,
    # which a loaded machine can pass before the retry is queued, so the status is what is asserted.)
    assert Job.objects.get(retry_of=job).status == JobStatus.QUEUED
    statuses = set(InvoiceLink.objects.filter(invoice__in=invoices).values_list("status", flat=True))
    assert statuses == {LinkStatus.PENDING}
