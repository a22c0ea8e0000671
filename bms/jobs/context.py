"""What a running job hands its handler: progress, a log with per-record errors, a result line."""

from __future__ import annotations

import time

from django.db.models import F
from django.utils import timezone

from bms.jobs.models import Job, JobLogEntry, LogLevel

PROGRESS_EVERY_S = 1.0  # write progress at most this often: a 5,000-record job must not do 5,000 updates


class JobContext:
    def __init__(self, job: Job):
        self.job = job
        self.total = job.total_items
        self.done = 0
        self.result = ""
        self._last_write = 0.0

    # --- progress ---------------------------------------------------------------------------

    def set_total(self, total: int) -> None:
        self.total = max(0, int(total))
        Job.objects.filter(pk=self.job.pk).update(total_items=self.total, heartbeat_at=timezone.now())

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last_write >= PROGRESS_EVERY_S or (self.total and self.done >= self.total):
            self.flush_progress()
            self._last_write = now

    def flush_progress(self) -> None:
        percent = min(99, int(self.done * 100 / self.total)) if self.total else 0
        Job.objects.filter(pk=self.job.pk).update(
            done_items=self.done, progress_percent=percent, heartbeat_at=timezone.now()
        )

    # --- log --------------------------------------------------------------------------------

    def _log(self, level: str, message: str, record: str, cause: str) -> None:
        JobLogEntry.objects.create(
            job=self.job, level=level, record=record[:255], cause=cause[:255], message=message
        )
        if level == LogLevel.ERROR:
            Job.objects.filter(pk=self.job.pk).update(error_count=F("error_count") + 1)
        elif level == LogLevel.WARNING:
            Job.objects.filter(pk=self.job.pk).update(warning_count=F("warning_count") + 1)

    def info(self, message: str, *, record: str = "", cause: str = "") -> None:
        self._log(LogLevel.INFO, message, record, cause)

    def warning(self, message: str, *, record: str = "", cause: str = "") -> None:
        self._log(LogLevel.WARNING, message, record, cause)

    def error(self, message: str, *, record: str = "", cause: str = "") -> None:
        """A per-record error: logged and counted; the job goes on."""
        self._log(LogLevel.ERROR, message, record, cause or message[:255])
