from django import forms

from bms.cogs.models import JournalStatus
from bms.core.dates import DateInRangeField
from bms.entities.models import Entity


class JournalFilterForm(forms.Form):
    entity = forms.ModelChoiceField(queryset=Entity.objects.order_by("name"), required=False, empty_label="All")
    date_from = DateInRangeField(required=False, label="From")
    date_to = DateInRangeField(required=False, label="To")
    # "Which journals are held?" is the question a finance user brings after a lock-date error.
    status = forms.ChoiceField(choices=[("", "All"), *JournalStatus.choices], required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned
