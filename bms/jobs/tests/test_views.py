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
    assert page.context["errors_by_cause"] == [
        {"cause": "archived account 41110", "count": 3, "to_resend": 3, "resent_in": None}]
    content = page.content.decode()
    assert "archived account 41110" in content and "3 records" in content
    assert content.index("Errors by cause") < content.index("<h2>Log</h2>")
    assert "badge-completed_with_errors" in content and "Completed with errors" in content


def test_it_filters_the_log_by_level(admin_client):
    job = job_enqueue(kind="tests.record", description="Push", params={"items": 4, "fail_items": [1],
                                                                       "warn_items": [2]})
    page = admin_client.get(reverse("jobs:job_detail", args=[job.pk]), {"level": "error"})
    assert [entry.record for entry in page.context["page_obj"]] == ["Invoice 1"]


def test_it_refuses_staff_everything(staff_client):
    job = job_enqueue(kind="tests.record", description="Broken push", params={"explode": True})
    assert staff_client.get(reverse("jobs:job_list")).status_code == 403
    assert staff_client.get(reverse("jobs:job_detail", args=[job.pk])).status_code == 403
    assert staff_client.post(reverse("jobs:job_retry", args=[job.pk])).status_code == 403
    assert staff_client.post(reverse("jobs:job_resend", args=[job.pk])).status_code == 403
    assert not Job.objects.filter(retry_of=job).exists()


def test_it_shows_a_finance_user_the_jobs_they_started_and_no_one_elses(finance_client, finance_user, admin_user):
    mine = job_enqueue(kind="tests.record", description="My push", params={"items": 2, "fail_items": [1]},
                       requested_by=finance_user)
    theirs = job_enqueue(kind="tests.record", description="Admin's push", params={"fail_items": [0]},
                         requested_by=admin_user)
    system = job_enqueue(kind="tests.record", description="Scheduled push")
    listing = finance_client.get(reverse("jobs:job_list"))
    assert listing.status_code == 200
    assert [job.pk for job in listing.context["page_obj"]] == [mine.pk]
    assert b"The jobs you started." in listing.content
    assert finance_client.get(reverse("jobs:job_detail", args=[mine.pk])).status_code == 200
    for other in (theirs, system):
        assert finance_client.get(reverse("jobs:job_detail", args=[other.pk])).status_code == 404
        assert finance_client.post(reverse("jobs:job_resend", args=[other.pk])).status_code == 404
    assert not Job.objects.filter(retry_of__in=[theirs, system]).exists()
    # Re-trigger is an admin's; re-sending the failed records of their own job is theirs.
    assert finance_client.post(reverse("jobs:job_retry", args=[mine.pk])).status_code == 403
    response = finance_client.post(reverse("jobs:job_resend", args=[mine.pk]))
    assert response.status_code == 302 and Job.objects.filter(retry_of=mine, requested_by=finance_user).exists()


def test_it_shows_the_technical_detail_to_admins_only(admin_client, finance_client, finance_user):
    job = job_enqueue(kind="tests.record", description="Broken push", params={"explode": True},
                      requested_by=finance_user)
    url = reverse("jobs:job_detail", args=[job.pk])
    admin_page, finance_page = admin_client.get(url).content.decode(), finance_client.get(url).content.decode()
    for page in (admin_page, finance_page):
        assert "an unexpected error stopped the job" in page
    assert "<details><summary>Technical detail</summary>" in admin_page and "RuntimeError" in admin_page
    assert "RuntimeError" not in finance_page and "kinds.py" not in finance_page and "<details>" not in finance_page


def test_it_re_sends_the_failed_records_of_one_cause_once(admin_user):
    job = job_enqueue(kind="tests.record", description="Push",
                      params={"items": 6, "fail_items": [1, 3], "other_cause_items": [4]})
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    page = client.get(reverse("jobs:job_detail", args=[job.pk]))
    content = page.content.decode()
    assert "Re-send failed records" in content and content.count(">Re-send</button>") == 2
    token = page.cookies["csrftoken"].value
    url = reverse("jobs:job_resend", args=[job.pk])
    assert client.post(url, {"cause": "archived account 41110"}).status_code == 403  # no CSRF token
    response = client.post(url, {"cause": "archived account 41110", "csrfmiddlewaretoken": token})
    resent = Job.objects.get(retry_of=job)
    assert response["Location"] == reverse("jobs:job_detail", args=[resent.pk])
    assert resent.params == {"items": 6, "only": [1, 3]}  # exactly that cause's records
    assert resent.status == JobStatus.COMPLETED and resent.requested_by == admin_user
    again = client.post(url, {"cause": "archived account 41110", "csrfmiddlewaretoken": token}, follow=True)
    assert f"These records were already re-sent as job #{resent.pk}.".encode() in again.content
    assert Job.objects.filter(retry_of=job).count() == 1
    page = client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert f"Re-sent as job #{resent.pk}" in page and page.count(">Re-send</button>") == 1
    # The whole job now re-sends what is left: the other cause's record, once.
    client.post(url, {"csrfmiddlewaretoken": token})
    rest = Job.objects.filter(retry_of=job).exclude(pk=resent.pk).get()
    assert rest.params == {"items": 6, "only": [4]}
    assert AuditEvent.objects.filter(action="jobs.resent").count() == 2
    assert "Re-send failed records" not in client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()


def test_it_offers_no_re_send_on_a_job_that_went_through(admin_client):
    job = job_enqueue(kind="tests.record", description="Push", params={"items": 2})
    assert b"Re-send" not in admin_client.get(reverse("jobs:job_detail", args=[job.pk])).content
    response = admin_client.post(reverse("jobs:job_resend", args=[job.pk]), follow=True)
    assert b"Only a job that finished with failed records can re-send them." in response.content
    assert not Job.objects.filter(retry_of=job).exists()


def test_it_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get(reverse("jobs:job_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
