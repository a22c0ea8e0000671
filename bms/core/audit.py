"""The audit log: who changed what, with before and after (PRODUCT.md §4, the hardening issue)."""

from bms.core.models import AuditEvent

# Every action the product records, with the label the Audit Log screen shows and filters by.
ACTIONS: dict[str, str] = {
    "settings.package_changed": "Integration package changed",
    "settings.changed": "General Settings changed",
    "xero.authenticated": "Authenticated with Xero",
    "xero.reauthenticated": "Re-authenticated with Xero",
    "xero.entity_connected": "Xero organisation connected",
    "xero.relinked": "Relinked to another Xero organisation",
    "xero.authentication_removed": "Xero authentication removed",
    "xero.contact_unlinked": "Customer's Xero link deleted",
    "xero.bulk_sync": "Bulk sync",
    "jobs.retried": "Job re-triggered",
}


def audit_record(*, actor, action: str, target: str = "", before=None, after=None, message: str = "") -> AuditEvent:
    """Append an audit event. Call it inside the transaction that makes the change, so the change
    and its record commit or roll back together."""
    if action not in ACTIONS:
        raise KeyError(f"unknown audit action {action!r}: add it to bms.core.audit.ACTIONS")
    has_actor = getattr(actor, "pk", None) is not None
    return AuditEvent.objects.create(
        actor=actor if has_actor else None,
        actor_name=(actor.get_full_name() or actor.username)[:150] if has_actor else "",
        action=action,
        target=target[:255],
        before=before or {},
        after=after or {},
        message=message,
    )
