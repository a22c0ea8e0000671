"""Re-send failed records: a finished job's failed (or held) records, sent again once, as a new job.

The job's log names each such record by a `ref` ("invoice:42"); the job kind's resender (see
`registry.job_resender`) turns the refs into the job that sends exactly those records, through the
same push engine as any push (durable intent, Idempotency-Key, look-up before re-create), so a
record fixed and sent in the meantime is not sent again. Each log line is re-sent at most once:
it is marked with the new job in the same transaction that creates it, under a lock on the old job,
so a second click (or a second browser tab) finds nothing left and says which job took them.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from bms.core.audit import audit_record
from bms.jobs.models import Job, JobLogEntry, JobStatus, LogLevel
from bms.jobs.registry import resender_for
from bms.jobs.services import job_enqueue

RESENDABLE_STATUSES = (JobStatus.COMPLETED_WITH_ERRORS, JobStatus.FAILED)


class ResendError(Exception):
    pass


def records_to_resend(*, job: Job, cause: str | None = None) -> QuerySet[JobLogEntry]:
    """The log lines of the job's failed or held records not yet re-sent (of one cause, if given)."""
    entries = JobLogEntry.objects.filter(  # read from the job_log_problems index alone
        job=job, level__in=(LogLevel.ERROR, LogLevel.WARNING), resent_in__isnull=True
    ).exclude(record_ref="")
    return entries.filter(cause=cause) if cause is not None else entries


def job_can_resend(job: Job) -> bool:
    return job.status in RESENDABLE_STATUSES and resender_for(job.kind) is not None


def job_resend(*, job: Job, requested_by, cause: str | None = None) -> Job:
    """Queue a job that sends the job's failed records again (all of them, or those of one cause)."""
    resender = resender_for(job.kind)
    if resender is None:
        raise ResendError("This kind of job has no records to re-send: re-trigger it instead.")
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.status not in RESENDABLE_STATUSES:
            raise ResendError("Only a job that finished with failed records can re-send them.")
        entries = list(records_to_resend(job=locked, cause=cause).values_list("pk", "record_ref"))
        if not entries:
            raise ResendError(_nothing_left(locked, cause))
        refs = sorted({ref for _, ref in entries})
        spec = resender(locked.params, refs)
        new_job = job_enqueue(kind=spec.kind, description=spec.description, params=spec.params,
                              requested_by=requested_by, retry_of=locked)
        ids = [pk for pk, _ in entries]
        # Conditional: a click that raced this one and took some of the lines first leaves fewer to
        # mark; rolling back (the new job with it) keeps every record to one re-send.
        if JobLogEntry.objects.filter(pk__in=ids, resent_in__isnull=True).update(resent_in=new_job) != len(ids):
            raise ResendError(_nothing_left(locked, cause))
        audit_record(actor=requested_by, action="jobs.resent", target=f"job #{locked.pk}",
                     before={"job": locked.pk, "cause": cause or "every cause", "records": len(refs)},
                     after={"job": new_job.pk, "description": spec.description})
    return new_job


def _nothing_left(job: Job, cause: str | None) -> str:
    taken = JobLogEntry.objects.filter(job=job, resent_in__isnull=False)
    if cause is not None:
        taken = taken.filter(cause=cause)
    latest = taken.order_by("-resent_in_id").values_list("resent_in_id", flat=True).first()
    if latest is not None:
        return f"These records were already re-sent as job #{latest}."
    return "This job has no failed records to re-send."
