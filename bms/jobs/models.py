from django.conf import settings
from django.db import models
from django.db.models import Q


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    WORKING = "working", "Working"
    COMPLETED = "completed", "Completed"  # ran to the end and every record went through
    COMPLETED_WITH_ERRORS = "completed_with_errors", "Completed with errors"  # ran to the end; records failed or held
    FAILED = "failed", "Failed"  # the job itself stopped


FINISHED_STATUSES = (JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_ERRORS, JobStatus.FAILED)


class Job(models.Model):
    """One run of background work, visible on Admin → Background Jobs.

    Written before the work is handed to the job engine, so a job is never invisible; the
    engine only carries the id.
    """

    kind = models.CharField(max_length=100, help_text="The registered job kind, e.g. xero.invoices.push.")
    description = models.CharField(max_length=255)
    params = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Blank when the system (a schedule) asked for it.",
    )
    status = models.CharField(max_length=32, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress_percent = models.PositiveSmallIntegerField(default=0)
    total_items = models.PositiveIntegerField(default=0)
    done_items = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    result = models.CharField(max_length=500, blank=True, default="")
    retry_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries")
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    not_before_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the run waits on purpose (e.g. for Xero's daily limit)."
    )
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [
            models.Index(fields=["status", "queued_at"], name="job_status_queued"),
            # The lists' keyset pages: each filter's column, then the list's order ending with the id.
            models.Index(fields=["queued_at", "id"], name="job_list"),
            models.Index(fields=["status", "queued_at", "id"], name="job_list_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="job_status_known"),
            models.CheckConstraint(condition=Q(progress_percent__lte=100), name="job_progress_percent_range"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.description}"


class LogLevel(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


class JobLogEntry(models.Model):
    """A line of a job's log. Per-record errors carry the record's label and a `cause`
    (e.g. "archived account 41110") so the log can group them with counts."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="log_entries")
    at = models.DateTimeField(auto_now_add=True)
    level = models.CharField(max_length=16, choices=LogLevel.choices, default=LogLevel.INFO)
    record = models.CharField(max_length=255, blank=True, default="")
    cause = models.CharField(max_length=255, blank=True, default="")
    message = models.TextField()
    detail = models.TextField(
        blank=True, default="", help_text="The technical detail behind the message (error type, where): admins only."
    )
    record_ref = models.CharField(
        max_length=100, blank=True, default="",
        help_text="What to send again for a failed or held record, e.g. invoice:42 (blank: nothing to re-send).",
    )
    resent_in = models.ForeignKey(
        Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The job this failed record was re-sent in: each is re-sent once from here.",
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # A job's failed and held records by cause (its page's summary, what Re-send would send):
            # read from this index alone, not from the log's rows.
            models.Index(fields=["job", "level", "cause", "record_ref", "resent_in"], name="job_log_problems"),
            # A job's log, a keyset page at a time, all levels or one.
            models.Index(fields=["job", "at", "id"], name="job_log_list"),
            models.Index(fields=["job", "level", "at", "id"], name="job_log_list_level"),
        ]


class Schedule(models.Model):
    """A recurring piece of work: every N minutes, or daily at a local wall time in a zone.
    `next_run_at` is always UTC."""

    key = models.CharField(max_length=150, unique=True, help_text="e.g. journals.nightly:entity-3")
    kind = models.CharField(max_length=100)
    description = models.CharField(max_length=255)
    params = models.JSONField(default=dict, blank=True)
    every_minutes = models.PositiveIntegerField(null=True, blank=True)
    at_local_time = models.TimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    next_run_at = models.DateTimeField()
    is_enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["next_run_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(every_minutes__isnull=False) & Q(every_minutes__gte=1) & Q(at_local_time__isnull=True))
                | (Q(every_minutes__isnull=True) & Q(at_local_time__isnull=False)),
                name="schedule_interval_or_daily",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class ScheduleRun(models.Model):
    """The claim on one due run. Unique per (schedule, due_at): a second scheduler that finds
    the same due run fails to insert and enqueues nothing."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="runs")
    due_at = models.DateTimeField()
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-due_at"]
        constraints = [models.UniqueConstraint(fields=["schedule", "due_at"], name="schedule_run_once")]
