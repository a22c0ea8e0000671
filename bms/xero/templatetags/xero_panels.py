"""The Xero Integration panel that customer, invoice, journal and entity pages show.

Domain apps never import `bms.xero`: their templates load this tag library instead, so the
panel, and the "Xero package is not active" notice, come from the one package that knows Xero.
"""

from django import template

from bms.preferences.selectors import xero_is_active

register = template.Library()


@register.inclusion_tag("xero/panel.html", takes_context=True)
def xero_panel(context, record):
    return {
        "record": record,
        "record_kind": record._meta.model_name,
        "is_active": xero_is_active(),
        "can": context.get("can"),
    }
