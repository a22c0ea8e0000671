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
    if data["is_active"]:
        data.update(_record_links(kind, record))
    data["csrf_token"] = context.get("csrf_token")
    request = context.get("request")
    data["return_to"] = request.get_full_path() if request is not None else ""
    return data


def _record_links(kind: str, record) -> dict:
    from bms.xero import view_in_xero
    from bms.xero.models import ContactLink, InvoiceLink, JournalLink
    from bms.xero.selectors import entity_tenant, entity_xero_status, tenants_in_use

    if kind == "entity":
        return {"status": entity_xero_status(record)}
    if kind == "customer":
        rows = list(ContactLink.objects.filter(customer=record).select_related("tenant").order_by("tenant__name"))
        for row in rows:
            row.view_url = view_in_xero.contact_url(row.tenant.short_code, row.xero_id) if row.xero_id else ""
        return {"links": rows, "has_target": bool(tenants_in_use())}
    if kind == "invoice":
        rows = list(InvoiceLink.objects.filter(invoice=record).select_related("tenant").order_by("tenant__name"))
        for row in rows:
            row.view_url = view_in_xero.invoice_url(row.tenant.short_code, row.xero_id) if row.xero_id else ""
        return {"links": rows, "has_target": entity_tenant(record.entity) is not None}
    if kind == "costofsalesjournal":
        rows = list(JournalLink.objects.filter(journal=record).select_related("tenant").order_by("tenant__name"))
        for row in rows:
            row.view_url = view_in_xero.journal_url(row.tenant.short_code, row.xero_id) if row.xero_id else ""
        return {"links": rows, "has_target": entity_tenant(record.entity) is not None}
    return {}


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


@register.inclusion_tag("xero/list_actions.html", takes_context=True)
def xero_list_actions(context, kind: str):
    """Bulk Xero buttons for a list page ("customers" or "invoices"), when Xero is active."""
    return {"kind": kind, "is_active": xero_is_active(), "can": context.get("can"),
            "csrf_token": context.get("csrf_token")}
