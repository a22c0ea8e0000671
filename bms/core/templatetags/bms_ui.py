"""Formatting shared by every screen."""

from datetime import UTC, datetime
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html

from bms.core.tz import local_text

register = template.Library()


@register.filter
def money(value) -> str:
    """1234.5 → "1,234.50"; blank stays blank."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


@register.filter
def status_badge(value, label=None):
    """A coloured pill for a status; the CSS class is the lower-cased value."""
    text = label or str(value).replace("_", " ").capitalize()
    return format_html('<span class="badge badge-{}">{}</span>', str(value).lower(), text)


@register.filter
def get_item(mapping, key):
    """`{{ labels|get_item:event.action }}`: a dictionary look-up by a variable key."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


def _zone_of(where) -> str:
    """The zone a time is shown in: a zone name as given; an entity's own zone; a record's
    entity's zone; otherwise the instance's default zone (activated for each request,
    bms/preferences/middleware.py)."""
    if isinstance(where, str) and where:
        return where
    for _ in range(2):  # a record → its entity → its zone
        own = getattr(where, "time_zone", None)
        if isinstance(own, str) and own:
            return own
        where = getattr(where, "entity", None)
    return timezone.get_current_timezone_name()


@register.filter
def local(value, where=None) -> str:
    """The one way a screen shows a moment: `{{ invoice.approved_at|local:invoice }}` → "5 Dec 2026
    14:03 AEDT" in the entity's time zone, or `{{ event.at|local }}` in the instance's default zone;
    the zone is always named. Blank stays blank, so `|default:"—"` still works."""
    if not isinstance(value, datetime):
        return ""
    # Stored times are UTC (USE_TZ); a naive one can only be UTC too.
    return local_text(value if value.tzinfo else value.replace(tzinfo=UTC), _zone_of(where))


@register.filter
def local_time(value, where=None) -> str:
    """`local` for a line in a log of one day: the time of day to the second, zone named ("14:03:07 AEDT")."""
    if not isinstance(value, datetime):
        return ""
    return local_text(value if value.tzinfo else value.replace(tzinfo=UTC), _zone_of(where), time_only=True)


# The audit log keeps before/after as JSON; these say them in words ("Jobs: #1", "Inherits: No").
AUDIT_NAMES = {
    "xero_id": "Xero identifier", "xero_status": "Status in Xero", "xero_contact_status": "Contact status in Xero",
    "go_live_on": "Go-live date", "inherits": "Uses its organisation's Xero connection", "tenant": "Xero organisation",
    "bms_status": "Status in BMS", "job": "Job", "jobs": "Jobs",
}


@register.filter
def audit_name(key) -> str:
    return AUDIT_NAMES.get(str(key), str(key).replace("_", " ").capitalize())


def _audit_item(value, key: str) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None or value == "":
        return "—"
    if isinstance(value, int) and key in ("job", "jobs"):
        return f"#{value}"
    if isinstance(value, dict):
        return "; ".join(f"{audit_name(k)}: {_audit_item(v, str(k))}" for k, v in value.items()) or "—"
    if isinstance(value, list | tuple):
        return ", ".join(_audit_item(item, key) for item in value) or "none"
    return str(value)


@register.filter
def audit_value(value, key="") -> str:
    """`{{ value|audit_value:key }}`: True → "Yes", None → "—", [1, 2] under "jobs" → "#1, #2",
    ["a", "b"] → "a, b" — never Python's own spelling of a value."""
    return _audit_item(value, str(key))
