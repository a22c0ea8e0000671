from django.conf import settings
from django.db import models


class AuditAppendOnlyError(Exception):
    """An audit event was about to be changed or deleted."""


class AuditEventQuerySet(models.QuerySet):
    # Bulk paths skip save() and delete(); they are refused here too. The database triggers in
    # migration 0002 hold the same line for anything that bypasses the ORM.
    def update(self, **kwargs):
        raise AuditAppendOnlyError("Audit events are append-only: they cannot be changed.")

    def delete(self):
        raise AuditAppendOnlyError("Audit events are append-only: they cannot be deleted.")


class AuditEvent(models.Model):
    """Append-only record of who changed something that matters (the integration package, a Xero
    connection, a relink, a bulk sync…). Written by `audit_record` in the same transaction as the
    change; never updated or deleted."""

    at = models.DateTimeField(auto_now_add=True)
    # SET_NULL is the one change the database allows (a deleted user); actor_name keeps who it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=100)
    target = models.CharField(max_length=255, blank=True, default="")
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True, default="")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["action", "at"], name="audit_action_at"),
            # The lists' keyset pages: each filter's column, then the list's order ending with the id.
            models.Index(fields=["at", "id"], name="audit_list"),
            models.Index(fields=["action", "at", "id"], name="audit_list_action"),
            models.Index(fields=["actor", "at", "id"], name="audit_list_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditAppendOnlyError("Audit events are append-only: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditAppendOnlyError("Audit events are append-only: they cannot be deleted.")
