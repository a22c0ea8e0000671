import pytest
from django.test import Client
from django.urls import reverse

from bms.jobs.models import Job, JobStatus
from bms.jobs.services import job_enqueue
from bms.jobs.tests import kinds  # noqa: F401  (registers tests.record)

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_lists_jobs_with_their_outcome_and_filters_by_status(admin_client):
    job_enqueue(kind="tests.record", description="Push invoices to Xero", params={"items": 2})
    job_enqueue(kind="tests.record", description="Broken push", params={"explode": True})
    everything = admin_client.get(reverse("jobs:job_list"))
    assert b"Push invoices to Xero" in everything.content and b"System" in everything.content
    failed = admin_client.get(reverse("jobs:job_list"), {"status": "failed"})
    assert b"Broken push" in failed.content and b"Push invoices to Xero" not in failed.content
    assert b"Re-trigger" in failed.content


def test_it_shows_a_failed_job_with_its_error_and_re_triggers_it_from_the_screen(admin_user):
    job = job_enqueue(kind="tests.record", description="Broken push", params={"explode": True})
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    detail = client.get(reverse("jobs:job_detail", args=[job.pk]))
    assert b"Failed" in detail.content and b"the ledger caught fire" in detail.content
    token = detail.cookies["csrftoken"].value
    response = client.post(reverse("jobs:job_retry", args=[job.pk]), {"csrfmiddlewaretoken": token})
    retry = Job.objects.get(retry_of=job)
    assert response["Location"] == reverse("jobs:job_detail", args=[retry.pk])
    assert retry.status == JobStatus.FAILED  # it ran again (and failed again, as this handler always does)


def test_it_refuses_a_re_trigger_posted_without_csrf(admin_user):
    job = job_enqueue(kind="tests.record", description="Broken push", params={"explode": True})
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(reverse("jobs:job_retry", args=[job.pk])).status_code == 403
    assert not Job.objects.filter(retry_of=job).exists()


def test_it_groups_errors_by_cause_with_counts(admin_client):
    job = job_enqueue(kind="tests.record", description="Push", params={"items": 6, "fail_items": [0, 2, 4]})
    page = admin_client.get(reverse("jobs:job_detail", args=[job.pk]))
    assert page.context["errors_by_cause"] == [{"cause": "archived account 41110", "count": 3}]
    assert b"Errors by cause" in page.content


def test_it_refuses_finance_and_staff(finance_client, staff_client):
    assert finance_client.get(reverse("jobs:job_list")).status_code == 403
    assert staff_client.get(reverse("jobs:job_list")).status_code == 403
