"""What a reconciliation found: one run per (organisation, date range, pass), and one row per record
on which BMS and Xero disagree (agreeing records are only counted, so a run over 20,000 invoices
writes rows for the handful that differ, not for every invoice)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from bms.xero.reconcile.causes import cause_label


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class Verdict(models.TextChoices):
    DIFFER = "differ", "Differs"
    ONLY_BMS = "only_bms", "Only in BMS"
    ONLY_XERO = "only_xero", "Only in Xero (made by BMS)"


class ReconciliationRun(models.Model):
    tenant = models.ForeignKey("xero.XeroTenant", on_delete=models.CASCADE, related_name="+")
    date_from = models.DateField()
    date_to = models.DateField()
    is_full = models.BooleanField(default=True, help_text="A full pass reads the whole range; an incremental one "
                                  "only what Xero changed since the last run (If-Modified-Since).")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    job_id = models.BigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField(help_text="Renewed while the run works; a silent run has died.")
    finished_at = models.DateTimeField(null=True, blank=True)
    # {kind: {"agree": n, "differ": n, "only_bms": n, "only_xero": n}} and {cause: n}
    counts = models.JSONField(default=dict, blank=True)
    cause_counts = models.JSONField(default=dict, blank=True)
    calls = models.PositiveIntegerField(default=0, help_text="Calls made to Xero's Accounting API.")
    records = models.PositiveIntegerField(default=0, help_text="Records compared, both sides together.")
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(status__in=RunStatus.values),
                                              name="reconciliation_run_status_known"),
                       models.CheckConstraint(condition=Q(date_from__lte=models.F("date_to")),
                                              name="reconciliation_run_range_ordered")]

    def __str__(self) -> str:
        return f"Reconciliation of {self.tenant} {self.date_from}–{self.date_to}"

    def is_abandoned(self, now: datetime) -> bool:
        """Running, but silent for longer than a lease: its worker died (the next run closes it)."""
        silent_for = timedelta(seconds=settings.BMS_JOB_LEASE_S * 2)
        return self.status == RunStatus.RUNNING and now - self.heartbeat_at > silent_for

    @property
    def disagreements(self) -> int:
        return sum(self.cause_counts.values())


class ReconciliationRow(models.Model):
    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="rows")
    kind = models.CharField(max_length=16, help_text="invoice, contact, journal (the registry's kinds).")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    cause = models.CharField(max_length=32, db_index=True)
    label = models.CharField(max_length=255, help_text="The record as a person names it (AU-000157).")
    bms_id = models.BigIntegerField(null=True, blank=True, help_text="The BMS record's id; blank if only in Xero.")
    xero_id = models.CharField(max_length=64, blank=True, default="")
    dated_on = models.DateField(null=True, blank=True, help_text="The record's date (contacts have none).")
    bms_value = models.CharField(max_length=500, blank=True, default="")
    xero_value = models.CharField(max_length=500, blank=True, default="")
    message = models.TextField(blank=True, default="")
    repaired_at = models.DateTimeField(null=True, blank=True)
    repair = models.CharField(max_length=32, blank=True, default="")
    repair_note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["kind", "cause", "label", "id"]
        indexes = [
            models.Index(fields=["run", "kind", "bms_id"], name="reconcile_row_record"),
            # Admin → Reconciliation's records, a keyset page at a time, all causes or one.
            models.Index(fields=["run", "kind", "cause", "label", "id"], name="reconcile_row_list"),
            models.Index(fields=["run", "cause", "kind", "label", "id"], name="reconcile_row_list_cause"),
            # The repairs each cause offers: is any row of this cause and kind still unrepaired?
            models.Index(fields=["run", "cause", "kind"], condition=Q(repaired_at__isnull=True),
                         name="reconcile_row_unrepaired"),
        ]
        constraints = [models.CheckConstraint(condition=Q(verdict__in=Verdict.values),
                                              name="reconciliation_row_verdict_known")]

    def __str__(self) -> str:
        return f"{self.label}: {self.cause}"

    @property
    def cause_label(self) -> str:
        return cause_label(self.cause)
