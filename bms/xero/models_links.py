"""Link rows: the sync state of one BMS record in one Xero organisation, the base every record
kind's link model (models.py, models_credit.py) shares. Imports no other model module."""

from django.db import models
from django.db.models import Q


class LinkStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Sending"
    SYNCED = "synced", "Synced"
    FAILED = "failed", "Failed"
    UNCERTAIN = "uncertain", "Checking Xero"
    PARKED = "parked", "Parked"
    # Xero accepted it but its SubTotal, TotalTax or Total is not BMS's: held, not Processed.
    DIFFERS = "differs", "Differs"
    # Dated before the entity's go-live date: history that stays in BMS, never sent.
    BEFORE_GO_LIVE = "before_go_live", "Before go-live — not sent"


class SyncLink(models.Model):
    """The sync state of one BMS record in one tenant (ARCHITECTURE.md, "Sync state").

    The intent (status `sending` with a deterministic idempotency key) is committed before the
    call to Xero; the outcome after it. A row left `sending` or `uncertain` means "the call may
    have landed": the next attempt looks the record up in Xero before creating it again.
    """

    tenant = models.ForeignKey("xero.XeroTenant", on_delete=models.PROTECT, related_name="+")
    # NULL, not "", means "none yet": the partial unique constraints below ignore NULLs.
    xero_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    status = models.CharField(max_length=16, choices=LinkStatus.choices, default=LinkStatus.PENDING)
    idempotency_key = models.CharField(max_length=128, null=True, blank=True)  # noqa: DJ001
    key_epoch = models.PositiveIntegerField(default=0, help_text="Bumped to send with a new key after a cached error.")
    revision_pushed = models.PositiveBigIntegerField(default=0)  # a customer's revision is a µs timestamp
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    error_cause = models.CharField(max_length=255, blank=True, default="", help_text="Groups errors by cause.")
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @staticmethod
    def unique_constraints(record_field: str, prefix: str) -> list[models.BaseConstraint]:
        return [
            models.UniqueConstraint(fields=["tenant", record_field], name=f"{prefix}_one_per_tenant"),
            models.UniqueConstraint(
                fields=["tenant", "xero_id"], condition=Q(xero_id__isnull=False), name=f"{prefix}_xero_id_unique"
            ),
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"], condition=Q(idempotency_key__isnull=False),
                name=f"{prefix}_idempotency_key_unique",
            ),
            models.CheckConstraint(condition=Q(status__in=LinkStatus.values), name=f"{prefix}_status_known"),
        ]
