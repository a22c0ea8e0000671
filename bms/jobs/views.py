"""Admin → Background Jobs: the queue and its history, each job's log, re-trigger a failed job and
re-send a job's failed records. Admins see every job; finance users see the jobs they started."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from bms.core.access import rule, user_can
from bms.core.pagination import paginate
from bms.jobs.models import Job, JobStatus, LogLevel
from bms.jobs.resend import ResendError, job_can_resend, job_resend, records_to_resend
from bms.jobs.selectors import job_errors_by_cause, job_log, jobs_visible_to
from bms.jobs.services import JobRetryError, job_retry


def _visible_job(request, pk: int) -> Job:
    """The job, if this user may see it (a job someone else started is, to them, not there)."""
    return get_object_or_404(jobs_visible_to(request.user).select_related("retry_of"), pk=pk)


@rule("jobs.view")
def job_list(request):
    status = request.GET.get("status", "")
    if status not in JobStatus.values:
        status = ""
    context = {
        "statuses": JobStatus.choices,
        "status": status,
        "sees_all": user_can(request.user, "jobs.view_all"),
        **paginate(request, jobs_visible_to(request.user, status=status)),
    }
    return render(request, "jobs/job_list.html", context)


@rule("jobs.view")
def job_detail(request, pk: int):
    job = _visible_job(request, pk)
    level = request.GET.get("level", "")
    if level not in LogLevel.values:
        level = ""
    context = {
        "job": job,
        "errors_by_cause": job_errors_by_cause(job=job),
        "can_resend": job_can_resend(job) and user_can(request.user, "jobs.resend"),
        "records_to_resend": records_to_resend(job=job).count(),
        "retries": jobs_visible_to(request.user).filter(retry_of=job).order_by("-queued_at"),
        "levels": LogLevel.choices,
        "level": level,
        **paginate(request, job_log(job=job, level=level), per_page=200),
    }
    return render(request, "jobs/job_detail.html", context)


@require_POST
@rule("jobs.retry")
def job_retry_view(request, pk: int):
    job = _visible_job(request, pk)
    try:
        new_job = job_retry(job=job, requested_by=request.user)
    except JobRetryError as exc:
        messages.error(request, str(exc))
        return redirect("jobs:job_detail", pk=job.pk)
    messages.success(request, f"Re-triggered as job #{new_job.pk}.")
    return redirect("jobs:job_detail", pk=new_job.pk)


@require_POST
@rule("jobs.resend")
def job_resend_view(request, pk: int):
    """Re-send failed records: every cause, or the one posted as `cause`."""
    job = _visible_job(request, pk)
    cause = request.POST.get("cause")
    if cause is not None and len(cause) > 255:
        raise Http404("No such cause.")
    try:
        new_job = job_resend(job=job, requested_by=request.user, cause=cause)
    except ResendError as exc:
        messages.error(request, str(exc))
        return redirect("jobs:job_detail", pk=job.pk)
    messages.success(request, f"Failed records re-sent as job #{new_job.pk}.")
    return redirect("jobs:job_detail", pk=new_job.pk)
