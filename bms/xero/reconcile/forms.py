"""Admin → Reconciliation's forms: Run now (organisation, range, full or incremental) and the filters."""

from __future__ import annotations

from typing import Any

from django import forms

from bms.core.dates import DateInRangeField
from bms.xero.models import XeroTenant
from bms.xero.reconcile.causes import CAUSES
from bms.xero.reconcile.kinds import KINDS
from bms.xero.reconcile.repairs import REPAIRS


class RunNowForm(forms.Form):
    tenant = forms.ModelChoiceField(queryset=XeroTenant.objects.none(), label="Xero organisation")
    date_from = DateInRangeField(label="From")
    date_to = DateInRangeField(label="To")
    full = forms.BooleanField(required=False, initial=True, label="Full pass",
                              help_text="Read the whole range (unticked: only what Xero changed since the last run).")

    def __init__(self, *args: Any, tenants: list[XeroTenant], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["tenant"].queryset = XeroTenant.objects.filter(pk__in=[t.pk for t in tenants])  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("The range starts after it ends: choose a From date on or before To.")
        return data


class FilterForm(forms.Form):
    cause = forms.ChoiceField(required=False, label="Cause",
                              choices=[("", "All causes")] + [(c.value, i.label) for c, i in CAUSES.items()])
    kind = forms.ChoiceField(required=False, label="Record",
                             choices=[("", "All records")] + [(k.name, k.title) for k in KINDS.values()])


class RepairForm(forms.Form):
    repair = forms.ChoiceField(choices=[])
    row = forms.IntegerField(required=False)
    cause = forms.CharField(required=False, max_length=32)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["repair"].choices = [(name, repair.label) for name, repair in REPAIRS.items()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("row") and not data.get("cause"):
            raise forms.ValidationError("Choose a row or a cause to repair.")
        return data
