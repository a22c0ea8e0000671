import pytest
from django.test import Client
from django.urls import reverse

from bms.core.models import AuditEvent
from bms.jobs.models import Job, JobStatus
from bms.jobs.services import job_enqueue

pytestmark = pytest.mark.django_db(transaction=True)  # jobs start on commit


def test_it_lists_jobs_with_their_outcome_and_filters_by_status(admin_client, admin_user):
    job_enqueue(kind="tests.record", description="Push invoices to Xero", params={"items": 2},
                requested_by=admin_user)
    job_enqueue(kind="tests.record", description="Broken push", params={"explode": True})
    everything = admin_client.get(reverse("jobs:job_list"))
    assert everything.status_code == 200
    page = everything.content.decode()
    assert "Push invoices to Xero" in page and "Completed: 2 done" in page and admin_user.first_name in page
    assert "System" in page and 'value="100"' in page and "badge-completed" in page
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
    assert retry.requested_by == admin_user
    assert retry.status == JobStatus.FAILED  # it ran again (and failed again, as this handler always does)
    event = AuditEvent.objects.get(action="jobs.retried")
    assert event.actor == admin_user and event.target == f"job #{job.pk}"
    assert event.before["status"] == "failed" and event.after["job"] == retry.pk


def test_it_refuses_a_re_trigger_posted_without_csrf(admin_user):
    job = job_enqueue(kind="tests.record", description="Broken push", params={"explode": True})
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(reverse("jobs:job_retry", args=[job.pk])).status_code == 403
    assert not Job.objects.filter(retry_of=job).exists()


def test_it_re_triggers_only_by_post_and_only_failed_jobs(admin_client):
    done = job_enqueue(kind="tests.record", description="Fine")
    assert admin_client.get(reverse("jobs:job_retry", args=[done.pk])).status_code == 405
    response = admin_client.post(reverse("jobs:job_retry", args=[done.pk]), follow=True)
    assert b"Only a failed job can be re-triggered." in response.content
    assert not Job.objects.filter(retry_of=done).exists()


def test_it_groups_errors_by_cause_with_counts_above_the_log(admin_client):
    job = job_enqueue(kind="tests.record", description="Push", params={"items": 20, "fail_items": [0, 2, 4]})
    page = admin_client.get(reverse("jobs:job_detail", args=[job.pk]))
    assert page.context["errors_by_cause"] == [{"cause": "archived account 41110", "count": 3}]
    content = page.content.decode()
    assert "archived account 41110" in content and "3 records" in content
    assert content.index("Errors by cause") < content.index("<h2>Log</h2>")


def test_it_filters_the_log_by_level(admin_client):
    job = job_enqueue(kind="tests.record", description="Push", params={"items": 4, "fail_items": [1],
                                                                       "warn_items": [2]})
    page = admin_client.get(reverse("jobs:job_detail", args=[job.pk]), {"level": "error"})
    assert [entry.record for entry in page.context["page_obj"]] == ["Invoice 1"]


def test_it_refuses_finance_and_staff(finance_client, staff_client):
    job = job_enqueue(kind="tests.record", description="Broken push", params={"explode": True})
    for client in (finance_client, staff_client):
        assert client.get(reverse("jobs:job_list")).status_code == 403
        assert client.get(reverse("jobs:job_detail", args=[job.pk])).status_code == 403
        assert client.post(reverse("jobs:job_retry", args=[job.pk])).status_code == 403
    assert not Job.objects.filter(retry_of=job).exists()


def test_it_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get(reverse("jobs:job_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
