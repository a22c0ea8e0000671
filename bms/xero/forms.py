from collections.abc import Sequence
from typing import Any

from django import forms

from bms.xero.models import InvoiceStatusInXero, XeroTenant
from bms.xero.models_tracking import TrackingStatus, XeroTrackingCategory, XeroTrackingOption

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


class EntityTrackingForm(forms.Form):
    """One select per active tracking category of the entity's organisation, each offering only that
    category's active options: Xero refuses an archived one on a line, so it is never offered."""

    def __init__(self, *args: Any, categories: Sequence[XeroTrackingCategory], current: dict[int, int],
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.categories = list(categories)
        for category in self.categories:
            field = forms.ModelChoiceField(
                queryset=category.options.filter(status=TrackingStatus.ACTIVE).order_by("name"), required=False,
                label=category.name, empty_label=f"No {category.name}",
                help_text=f"The active options of {category.name} in Xero; archived ones are not offered.",
                initial=current.get(category.pk))
            field.error_messages["invalid_choice"] = (
                f"That option is not an active option of {category.name} in Xero: read from Xero and choose again.")
            self.fields[f"category_{category.pk}"] = field

    def chosen(self) -> list[XeroTrackingOption | None]:
        return [self.cleaned_data.get(f"category_{category.pk}") for category in self.categories]


class TrackingOptionCreateForm(forms.Form):
    name = forms.CharField(label="New option", max_length=100, strip=True,
                           help_text="Created in Xero, in this category, then offered in the menus.")
