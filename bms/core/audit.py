"""The audit log: who changed what, with before and after (PRODUCT.md §4, the hardening issue)."""

from collections.abc import Mapping

from bms.core.models import AuditEvent

# Every action the product records, with the label the Audit Log screen shows and filters by. Core
# records none itself: each app adds its own from its `AppConfig.ready()` with audit_actions_register.
ACTIONS: dict[str, str] = {}


def audit_actions_register(actions: Mapping[str, str]) -> None:
    """Add an app's audit actions (name → label). The same label again is harmless; another is refused."""
    for action, label in actions.items():
        if ACTIONS.get(action, label) != label:
            raise ValueError(f"audit action {action!r} is already registered as {ACTIONS[action]!r}")
        ACTIONS[action] = label


def audit_record(*, actor, action: str, target: str = "", before=None, after=None, message: str = "") -> AuditEvent:
    """Append an audit event. Call it inside the transaction that makes the change, so the change
    and its record commit or roll back together."""
    if action not in ACTIONS:
        raise KeyError(f"unknown audit action {action!r}: register it with audit_actions_register")
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
