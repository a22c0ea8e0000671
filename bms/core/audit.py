from bms.core.models import AuditEvent


def audit_record(*, actor, action: str, target: str = "", before=None, after=None, message: str = "") -> AuditEvent:
    """Append an audit event. Call it inside the transaction that makes the change, so the change
    and its record commit or roll back together."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target=target[:255],
        before=before or {},
        after=after or {},
        message=message,
    )
