"""Admin → Reconciliation (issue #15 item 7): readable and repairable by admin and finance users,
Run now through the xero.reconcile job, one-click repairs per row and per cause, and the badge on
every Xero panel while the latest run finds the record disagreeing. Against the sandbox over HTTP."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from bms.core.testing import persona
from bms.jobs.models import Job, JobStatus, Schedule
from bms.jobs.services import job_run
from bms.xero.models import InvoiceLink, LinkStatus
from bms.xero.reconcile.jobs import reconcile_schedules, reconciliation_full_pass_due
from bms.xero.reconcile.models import ReconciliationRun
from bms.xero.reconcile.repairs import HELD_CAUSE
from bms.xero.tests.test_reconcile import _plant, _run

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance():
    client = Client()
    client.force_login(persona("finance"))
    return client


def _page(client, **query):
    response = client.get(reverse("reconcile:reconciliation"), query)
    assert response.status_code == 200
    return response.content.decode()


def test_finance_reads_counts_per_kind_and_per_cause_and_staff_may_not(finance, connected, sandbox, books):
    _plant(sandbox, connected, "invoices", "change", books["invoices"][0].display_number, Status="VOIDED")
    _run(connected)
    page = _page(finance)
    assert "Status differs" in page and "Cancel in BMS" in page and "Accept" in page
    assert books["invoices"][0].display_number in page
    staff = Client()
    staff.force_login(persona("staff"))
    assert staff.get(reverse("reconcile:reconciliation")).status_code == 403


def test_run_now_queues_the_job_that_records_the_run(finance, connected, sandbox, books):
    response = finance.post(reverse("reconcile:run_now"), {"tenant": connected.pk, "date_from": "2026-04-01",
                                                           "date_to": "2026-04-30", "full": "on"})
    assert response.status_code == 302
    job = Job.objects.get(kind="xero.reconcile")
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and job.result.startswith("Completed: 0 disagreements")
    run = ReconciliationRun.objects.get()
    assert (run.date_from, run.date_to, run.is_full, run.job_id) == (date(2026, 4, 1), date(2026, 4, 30), True,
                                                                    job.pk)
    assert not reconciliation_full_pass_due(tenant=connected)


def test_a_range_that_ends_before_it_starts_is_refused_with_a_message(finance, connected, books):
    response = finance.post(reverse("reconcile:run_now"), {"tenant": connected.pk, "date_from": "2026-04-30",
                                                           "date_to": "2026-04-01"}, follow=True)
    assert "The range starts after it ends" in response.content.decode()
    assert not Job.objects.filter(kind="xero.reconcile").exists()


def test_resend_for_a_cause_recreates_what_xero_lost_and_the_next_run_agrees(finance, connected, sandbox, books):
    lost = books["invoices"][:2]
    for invoice in lost:
        _plant(sandbox, connected, "invoices", "remove", invoice.display_number)
    run = _run(connected)
    assert run.cause_counts == {"missing_in_xero": 2}
    finance.post(reverse("reconcile:repair", args=[run.pk]), {"repair": "resend", "cause": "missing_in_xero"})
    job = Job.objects.get(kind="xero.invoices.push")
    assert sorted(job.params["invoice_ids"]) == sorted(i.pk for i in lost)
    job_run(job_id=job.pk)
    assert _run(connected).cause_counts == {}


def test_hold_on_one_row_keeps_the_schedule_away_and_the_badge_shows_on_the_invoice(finance, connected, sandbox,
                                                                                     books):
    invoice = books["invoices"][3]
    xero_total = "999.00"
    _plant(sandbox, connected, "invoices", "change", invoice.display_number, Total=xero_total)
    run = _run(connected)
    panel = finance.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    assert "Differs from Xero" in panel and "Totals differ" in panel
    row = run.rows.get()
    finance.post(reverse("reconcile:repair", args=[run.pk]), {"repair": "hold", "row": row.pk})
    link = InvoiceLink.objects.get(invoice=invoice)
    assert link.status == LinkStatus.FAILED and link.error_cause == HELD_CAUSE
    row.refresh_from_db()
    assert row.repair == "hold" and row.repaired_at is not None


def test_a_repair_that_does_not_fit_the_row_is_refused_and_changes_nothing(finance, connected, sandbox, books):
    _plant(sandbox, connected, "contacts", "change", "C0001", EmailAddress="x@example.com")
    run = _run(connected)
    response = finance.post(reverse("reconcile:repair", args=[run.pk]), {"repair": "pull", "cause": "contact_fields"},
                            follow=True)
    assert "does not apply" in response.content.decode()
    assert not Job.objects.exists()


def test_the_nightly_schedule_runs_two_hours_after_the_journals_in_the_organisations_zone(connected, books):
    reconcile_schedules()
    schedule = Schedule.objects.get(key=f"xero.reconcile.{connected.pk}")
    assert schedule.kind == "xero.reconcile" and schedule.at_local_time.hour == 3
    assert schedule.time_zone == "Australia/Sydney"


def test_cancel_in_bms_matches_an_invoice_voided_in_xero(finance, connected, sandbox, books):
    invoice = books["invoices"][5]
    _plant(sandbox, connected, "invoices", "change", invoice.display_number, Status="VOIDED")
    run = _run(connected)
    finance.post(reverse("reconcile:repair", args=[run.pk]), {"repair": "cancel_in_bms", "row": run.rows.get().pk})
    invoice.refresh_from_db()
    assert invoice.status == "cancelled"
    assert _run(connected).cause_counts == {}


def test_resend_puts_right_totals_changed_in_xero_under_a_fresh_key(finance, connected, sandbox, books):
    invoice = books["invoices"][6]
    _plant(sandbox, connected, "invoices", "change", invoice.display_number, Total="1.00", SubTotal="1.00",
           AmountDue="1.00")
    run = _run(connected)
    assert run.cause_counts == {"totals": 1}
    finance.post(reverse("reconcile:repair", args=[run.pk]), {"repair": "resend", "row": run.rows.get().pk})
    job_run(job_id=Job.objects.get(kind="xero.invoices.push").pk)
    assert _run(connected).cause_counts == {}


def test_a_link_held_as_differs_that_xero_now_agrees_with_is_its_own_cause(connected, books):
    InvoiceLink.objects.filter(invoice=books["invoices"][7]).update(status=LinkStatus.DIFFERS)
    run = _run(connected)
    assert run.cause_counts == {"differs_link": 1}
    assert run.rows.get().label == books["invoices"][7].display_number
