from django import forms

from bms.core.dates import DateInRangeField
from bms.entities.models import Entity
from bms.stock.models import DispatchStatus


class DispatchFilterForm(forms.Form):
    entity = forms.ModelChoiceField(queryset=Entity.objects.order_by("name"), required=False, empty_label="All")
    status = forms.ChoiceField(choices=[("", "All"), *DispatchStatus.choices], required=False)
    shipped_from = DateInRangeField(required=False, label="Shipped from",
                                    help_text="Trading days: each entity's own local date.")
    shipped_to = DateInRangeField(required=False, label="Shipped to")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("shipped_from"), cleaned.get("shipped_to")
        if start and end and start > end:
            self.add_error("shipped_to", "The end date is before the start date.")
        return cleaned
