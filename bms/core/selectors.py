from django.db.models import QuerySet

from bms.core.models import AuditEvent
from bms.core.search import contains


def audit_events(*, action: str = "", actor_id: int | None = None, search: str = "") -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor")
    if action:
        events = events.filter(action=action)
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if search:
        events = events.filter(contains(AuditEvent, ("target", "message"), search))
    return events


def audit_actors():
    """The people who appear in the audit log, for its User filter."""
    from django.contrib.auth import get_user_model

    ids = AuditEvent.objects.exclude(actor=None).values("actor_id").distinct()
    return get_user_model().objects.filter(pk__in=ids).order_by("first_name", "username")
