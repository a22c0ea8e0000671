"""Formatting shared by every screen."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

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
