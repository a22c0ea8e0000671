"""Check against Xero on the entity's screen (as a background job) and from `bms sync … --dry-run`."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from bms.jobs.models import Job, JobStatus
from bms.testing import factories as f
from bms.xero.models import ContactLink, InvoiceLink, XeroCheck
from bms.xero.tests.test_invoices import _released

pytestmark = pytest.mark.django_db(transaction=True)


def _writes(sandbox, tenant):
    return [e for e in sandbox.log(tenant.xero_tenant_id) if e["method"] not in ("GET", "HEAD")]


def test_it_runs_the_check_as_a_job_and_shows_the_causes_with_their_fix(finance_client, admin_client, connected,
                                                                        sandbox, au_entity):
    _released(au_entity, [f.customer()], 2)
    _released(au_entity, [f.customer(code="C0002", name="Second Customer")], 1, code="41900")
    sandbox.clear_log()
    page = finance_client.post(reverse("xero:entity_check", args=[au_entity.pk]), follow=True)
    assert b"Queued as background job" in page.content
    job = Job.objects.get(kind="xero.check_against_xero")
    assert job.status == JobStatus.COMPLETED
    assert job.result == "Completed: 5 records checked: 4 ready, 1 would be held, 0 would wait"
    assert job.error_count == 1  # the held invoice, in the job's log with its cause
    text = page.content.decode()
    assert "account 41900 (Hardware Sale - Legacy Range) is archived in Xero" in text
    assert "1 invoice" in text and "An admin fixes this (Open Accounts)" in text  # Finance cannot open Accounts
    admin_text = admin_client.get(reverse("xero:entity_check", args=[au_entity.pk])).content.decode()
    assert f'<a class="button" href="{reverse("ledger:account_list")}">Open Accounts</a>' in admin_text
    assert "<td>2 customers</td><td>2 would be sent</td>" in text
    assert "<td>3 invoices</td><td>2 would be sent · 1 would be held</td>" in text
    assert _writes(sandbox, connected) == []
    assert not ContactLink.objects.exists() and not InvoiceLink.objects.exists()
    assert XeroCheck.objects.get().job == job


def test_the_entity_panel_and_the_invoice_list_lead_to_the_check(admin_client, connected, au_entity):
    entity_page = admin_client.get(reverse("entities:entity_detail", args=[au_entity.pk])).content.decode()
    assert reverse("xero:entity_check", args=[au_entity.pk]) in entity_page
    connect_page = admin_client.get(reverse("xero:connect_tenant", args=[au_entity.pk])).content.decode()
    assert reverse("xero:entity_check", args=[au_entity.pk]) in connect_page
    invoice_list = admin_client.get(reverse("billing:invoice_list")).content.decode()
    assert reverse("xero:check_start") in invoice_list
    start = admin_client.get(reverse("xero:check_start"))
    assert start["Location"] == reverse("xero:entity_check", args=[au_entity.pk])
    page = admin_client.get(start["Location"]).content.decode()
    assert "No check has been run" in page and "Check against Xero</button>" in page


def test_staff_may_not_run_or_see_a_check(staff_client, connected, au_entity):
    assert staff_client.get(reverse("xero:entity_check", args=[au_entity.pk])).status_code == 403
    assert staff_client.post(reverse("xero:entity_check", args=[au_entity.pk])).status_code == 403
    assert not Job.objects.filter(kind="xero.check_against_xero").exists()


def test_bms_sync_dry_run_prints_the_report_grouped_by_cause_and_fails_when_anything_would_be_held(
    connected, sandbox, au_entity
):
    _released(au_entity, [f.customer()], 1)
    _released(au_entity, [f.customer(code="C0002", name="Second Customer")], 2, code="41900")
    sandbox.clear_log()
    out = StringIO()
    with pytest.raises(CommandError, match="2 records would be held"):
        call_command("sync", "invoices", "--entity", "AU", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "3 invoices: 1 would be sent, 2 would be held" in text
    assert "held — account 41900 (Hardware Sale - Legacy Range) is archived in Xero (2 invoices):" in text
    assert f"Fix: Open Accounts ({reverse('ledger:account_list')})" in text
    assert _writes(sandbox, connected) == [] and not InvoiceLink.objects.exists()


def test_bms_sync_dry_run_json_is_the_report(connected, sandbox, au_entity):
    _released(au_entity, [f.customer()], 2)
    out = StringIO()
    call_command("sync", "invoices", "--entity", "AU", "--dry-run", "--json", stdout=out)
    [report] = json.loads(out.getvalue())
    assert report["kinds"] == [{"kind": "invoice", "counts": {"send": 2}}] and report["causes"] == []
    assert report["summary"] == "2 records checked: 2 ready, 0 would be held, 0 would wait"
    with pytest.raises(CommandError, match="checks what a push would send"):
        call_command("sync", "payments", "--entity", "AU", "--dry-run")
    with pytest.raises(CommandError, match="add --dry-run"):
        call_command("sync", "invoices", "--entity", "AU", "--json")


def test_it_links_a_finance_user_only_to_the_check_jobs_they_can_open(finance_client, admin_client, connected,
                                                                      au_entity):
    admin_client.post(reverse("xero:entity_check", args=[au_entity.pk]))
    job = Job.objects.get(kind="xero.check_against_xero")
    page = finance_client.get(reverse("xero:entity_check", args=[au_entity.pk])).content.decode()
    link = f'href="{reverse("jobs:job_detail", args=[job.pk])}"'
    assert f"job #{job.pk}" in page and link not in page  # the admin's job: named, not linked
    assert link in admin_client.get(reverse("xero:entity_check", args=[au_entity.pk])).content.decode()
    finance_client.post(reverse("xero:entity_check", args=[au_entity.pk]))
    own = Job.objects.filter(kind="xero.check_against_xero").latest("pk")
    page = finance_client.get(reverse("xero:entity_check", args=[au_entity.pk])).content.decode()
    assert f'href="{reverse("jobs:job_detail", args=[own.pk])}"' in page
