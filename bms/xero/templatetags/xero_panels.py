"""The Xero Integration panels that entity, customer, invoice and journal pages show.

Domain apps never import `bms.xero`: their templates load this tag library instead, so the
panel, and the "Xero package is not active" notice, come from the one package that knows Xero.
"""

from django import template

from bms.preferences.selectors import xero_is_active

register = template.Library()


def _panel_context(context, record) -> dict:
    kind = record._meta.model_name
    data = {"record": record, "record_kind": kind, "is_active": xero_is_active(), "can": context.get("can")}
    if kind == "entity" and data["is_active"]:
        from bms.xero.selectors import entity_xero_status

        data["status"] = entity_xero_status(record)
    data["csrf_token"] = context.get("csrf_token")
    return data


@register.inclusion_tag("xero/panel.html", takes_context=True)
def xero_panel(context, record):
    return _panel_context(context, record)


@register.simple_tag
def xero_entity_summary(entity) -> dict:
    """For the Entities grid: Xero Authenticated? and Authenticated By."""
    if not xero_is_active():
        return {"authenticated": False, "label": "No", "by": "—"}
    from bms.xero.selectors import entity_xero_status

    status = entity_xero_status(entity)
    if not status.is_connected:
        return {"authenticated": False, "label": "No", "by": "—"}
    grant = status.grant
    label = "Needs re-authentication" if status.needs_reauthentication else "Yes"
    if status.is_inherited:
        label += " (inherited)"
    return {
        "authenticated": not status.needs_reauthentication,
        "label": label,
        "by": grant.authenticated_by_name or grant.authenticated_by_email or grant.xero_user_id,
    }


@register.simple_tag
def xero_last_push(record) -> str:
    """The Last Push column of a list: when the record last reached Xero, or "—"."""
    from django.utils.formats import date_format
    from django.utils.timezone import localtime

    links = getattr(record, "xero_links", None)
    if links is None:
        return "—"
    last = links.exclude(last_pushed_at=None).order_by("-last_pushed_at").values_list("last_pushed_at", flat=True)
    moment = last.first()
    return date_format(localtime(moment), "d/m/Y H:i") if moment else "—"
