"""Admin → Background Jobs: the queue and its history, each job's log, re-trigger a failed job."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from bms.core.access import rule
from bms.core.pagination import paginate
from bms.jobs.models import Job, JobStatus, LogLevel
from bms.jobs.selectors import job_errors_by_cause, job_log, jobs_list
from bms.jobs.services import JobRetryError, job_retry


@rule("jobs.view")
def job_list(request):
    status = request.GET.get("status", "")
    if status not in JobStatus.values:
        status = ""
    context = {"statuses": JobStatus.choices, "status": status, **paginate(request, jobs_list(status=status))}
    return render(request, "jobs/job_list.html", context)


@rule("jobs.view")
def job_detail(request, pk: int):
    job = get_object_or_404(Job.objects.select_related("requested_by", "retry_of"), pk=pk)
    level = request.GET.get("level", "")
    if level not in LogLevel.values:
        level = ""
    context = {
        "job": job,
        "errors_by_cause": job_errors_by_cause(job=job),
        "retries": job.retries.order_by("-queued_at"),
        "levels": LogLevel.choices,
        "level": level,
        **paginate(request, job_log(job=job, level=level), per_page=200),
    }
    return render(request, "jobs/job_detail.html", context)


@require_POST
@rule("jobs.retry")
def job_retry_view(request, pk: int):
    job = get_object_or_404(Job, pk=pk)
    try:
        new_job = job_retry(job=job, requested_by=request.user)
    except JobRetryError as exc:
        messages.error(request, str(exc))
        return redirect("jobs:job_detail", pk=job.pk)
    messages.success(request, f"Re-triggered as job #{new_job.pk}.")
    return redirect("jobs:job_detail", pk=new_job.pk)
