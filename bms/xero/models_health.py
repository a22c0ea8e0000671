"""Connection incidents: one row for each time Xero refused a connection for one reason, from the
first refusal to the fix (issue 17, item 1). It is what the banner, the entity panel, the Entities
grid, the Xero panels and `bms status` read, and what makes the e-mail go once per incident, not once
per call (written before the send, updated after it: healthchecks' "Sending" pattern)."""

from django.db import models
from django.db.models import Q

from bms.xero.client.refusals import RefusalKind


class IncidentKind(models.TextChoices):
    GRANT = RefusalKind.GRANT.value, "Needs re-authentication"
    SCOPE = RefusalKind.SCOPE.value, "Missing permission (scope)"
    TENANT = RefusalKind.TENANT.value, "Organisation disconnected"
    PERMISSION = RefusalKind.PERMISSION.value, "Xero user not permitted"


class XeroIncident(models.Model):
    # What the incident is about, as one string: at most one open incident per key (the constraint),
    # so a thousand refused calls make one incident and one e-mail. "grant:3", "scope:3:manualjournals",
    # "tenant:7", "permission:7:manualjournals".
    key = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=IncidentKind.choices)
    grant = models.ForeignKey("xero.XeroGrant", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    tenant = models.ForeignKey("xero.XeroTenant", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    family = models.CharField(max_length=32, blank=True, default="",
                              help_text="The kind of work it blocks (a scope family); blank: all of it.")
    detail = models.CharField(max_length=255, blank=True, default="", help_text="What Xero answered.")
    job_id = models.BigIntegerField(null=True, blank=True, help_text="The background job that met it first.")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=200, blank=True, default="", help_text="What closed it.")
    notified_at = models.DateTimeField(null=True, blank=True)
    notified_to = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=Q(closed_at__isnull=True), name="xero_incident_one_open"),
            models.CheckConstraint(condition=Q(kind__in=IncidentKind.values), name="xero_incident_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.key})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
