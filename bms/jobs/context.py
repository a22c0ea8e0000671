"""What a running job hands its handler: progress, a log with per-record errors, a result line.

    @job_kind("xero.invoices.push")
    def push_invoices(ctx: JobContext, *, tenant_id: int) -> None:
        ctx.set_total(len(invoices))
        for invoice in invoices:
            ...
            ctx.error("Account 41110 is archived", record=invoice.display_number, cause="archived account 41110",
                      ref=f"invoice:{invoice.pk}")
            ctx.advance()

A per-record error never fails the job; an exception escaping the handler does. A job that ends with
any record failed (an error) or held (a warning naming the record by `ref`) ends Completed with
errors. `ref` says what "Re-send failed records" sends again (see bms/jobs/resend.py); `detail` is
the technical side of a message (types, where), shown to admins only.
"""

from __future__ import annotations

import time

from django.utils import timezone

from bms.jobs.models import Job, JobLogEntry, LogLevel

# Progress, counters and the heartbeat are written at most this often: a 5,000-record job must not
# do 5,000 updates. The log lines themselves are written as they come (they are the evidence).
FLUSH_EVERY_S = 1.0
MESSAGE_MAX_CHARS = 4000


class JobContext:
    def __init__(self, job: Job):
        self.job = job
        self.total = job.total_items
        self.done = 0
        self.errors = 0
        self.warnings = 0
        self.held = 0  # records not sent for now (a warning with a ref)
        # A report (e.g. Check against Xero) logs what *would* fail as errors; it sent nothing, so
        # nothing failed: it ends Completed.
        self.is_report = False
        self.result = ""  # a handler may set its own result line; otherwise a summary is written
        self._flushed_at = 0.0

    # --- progress ---------------------------------------------------------------------------

    def set_total(self, total: int) -> None:
        self.total = max(0, int(total))
        self.flush()

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._flush_soon()

    def heartbeat(self) -> None:
        """For a handler that waits a long time without advancing. (The lease is renewed by a
        background beat anyway, see `job_run`; this also refreshes the counters on the page.)"""
        self._flush_soon()

    @property
    def progress_percent(self) -> int:
        if not self.total:
            return 0
        # 100 % belongs to a finished job; a running one tops out at 99.
        return min(99, self.done * 100 // self.total)

    def flush(self) -> None:
        Job.objects.filter(pk=self.job.pk).update(
            total_items=self.total,
            done_items=self.done,
            progress_percent=self.progress_percent,
            error_count=self.errors,
            warning_count=self.warnings,
            heartbeat_at=timezone.now(),
        )
        self._flushed_at = time.monotonic()

    def _flush_soon(self) -> None:
        if time.monotonic() - self._flushed_at >= FLUSH_EVERY_S:
            self.flush()

    # --- log --------------------------------------------------------------------------------

    def info(self, message: str, *, record: str = "", cause: str = "") -> None:
        self._log(LogLevel.INFO, message, record, cause)

    def warning(self, message: str, *, record: str = "", cause: str = "", ref: str = "") -> None:
        """A note; with `ref`, a record held back (not sent for now), which makes the job amber."""
        self.warnings += 1
        self.held += 1 if ref else 0
        self._log(LogLevel.WARNING, message, record, cause, ref=ref)

    def error(self, message: str, *, record: str = "", cause: str = "", ref: str = "", detail: str = "") -> None:
        """A per-record error: logged with its cause (grouped on the job's page) and counted; the
        job goes on. Without a cause the message itself is the group."""
        self.errors += 1
        self._log(LogLevel.ERROR, message, record, cause or message, ref=ref, detail=detail)

    def _log(self, level: str, message: str, record: str, cause: str, *, ref: str = "", detail: str = "") -> None:
        JobLogEntry.objects.create(
            job=self.job, level=level, record=record[:255], cause=cause[:255], message=message[:MESSAGE_MAX_CHARS],
            record_ref=ref[:100], detail=detail[:MESSAGE_MAX_CHARS],
        )
        self._flush_soon()

    @property
    def has_problem_records(self) -> bool:
        return not self.is_report and bool(self.errors or self.held)

    # --- outcome ----------------------------------------------------------------------------

    def summary(self) -> str:
        """e.g. "Completed: 48 done, 2 errors" — used when the handler set no result of its own."""
        parts = [f"{self.done} done"] if self.done or self.total else []
        parts += [_count(self.errors, "error"), _count(self.warnings, "warning")]
        parts = [part for part in parts if part]
        return "Completed: " + ", ".join(parts) if parts else "Completed"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}" if n else ""
