from collections.abc import Sequence
from typing import Any

from django import forms

from bms.xero.models import InvoiceStatusInXero, XeroTenant

INHERIT = "inherit"


class ConnectTenantForm(forms.Form):
    tenant = forms.ChoiceField(label="Xero organisation", widget=forms.RadioSelect)
    invoice_status = forms.ChoiceField(
        label="Status of invoices created in Xero",
        choices=InvoiceStatusInXero.choices,
        initial=InvoiceStatusInXero.AUTHORISED,
        help_text="Approved invoices are posted to the ledger at once; drafts and invoices awaiting approval "
        "wait for someone in Xero to approve them.",
    )
    confirm_relink = forms.BooleanField(
        label="Relink to this organisation",
        required=False,
        help_text="Only needed when this entity's records were synced to a different Xero organisation.",
    )

    def __init__(
        self, *args: Any, tenants: Sequence[XeroTenant], allow_inherit: bool, organisation_name: str = "",
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        choices = [(str(t.pk), f"{t.name}" + (f" ({t.short_code})" if t.short_code else "")) for t in tenants]
        if allow_inherit:
            choices.insert(0, (INHERIT, f"Use {organisation_name}'s Xero organisation"))
        tenant_field = self.fields["tenant"]
        assert isinstance(tenant_field, forms.ChoiceField)
        tenant_field.choices = choices
        self.tenants = {str(t.pk): t for t in tenants}
