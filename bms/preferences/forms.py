from django import forms

from bms.core.tz import time_zone_names
from bms.preferences.models import GeneralSettings


class GeneralSettingsForm(forms.ModelForm):
    class Meta:
        model = GeneralSettings
        fields = [
            "default_currency", "default_time_zone", "integration_package", "tracking_category_1_name",
            "tracking_category_2_name", "invoice_push_interval_minutes", "payment_pull_interval_minutes",
            "journal_run_local_time", "journal_description_prefix",
        ]
        labels = {
            "integration_package": "Accounting integration package",
            "tracking_category_1_name": "Xero tracking category 1",
            "tracking_category_2_name": "Xero tracking category 2",
            "invoice_push_interval_minutes": "Push invoices every (minutes)",
            "payment_pull_interval_minutes": "Pull payments every (minutes)",
            "journal_run_local_time": "Nightly journal at (entity local time)",
            "journal_description_prefix": "Journal description",
        }
        help_texts = {
            "default_currency": "Three-letter code for new invoices, e.g. AUD.",
            "default_time_zone": "Used by entities without a time zone of their own, e.g. Australia/Sydney.",
            "integration_package": "Only Xero activates the Xero integration: with any other package no Xero call "
            "is made and the Xero buttons explain why.",
            "tracking_category_1_name": "The name of a tracking category in Xero (e.g. Region); each entity gives "
            "its option.",
            "tracking_category_2_name": "A second Xero tracking category (e.g. Division); optional.",
            "invoice_push_interval_minutes": "How often released invoices are sent to Xero.",
            "payment_pull_interval_minutes": "How often payments are read back from Xero.",
            "journal_run_local_time": "When each entity's cost-of-sales journal for the previous day is built, in "
            "that entity's time zone.",
            "journal_description_prefix": "Followed by the date, e.g. “B2B Cost of Sales Journal for 23/04/2026”.",
        }
        widgets = {"journal_run_local_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, can_change_package: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_change_package:
            field = self.fields["integration_package"]
            field.disabled = True  # Django ignores a posted value for a disabled field
            field.help_text = "Only an implementation partner can change the integration package. " + field.help_text

    def clean_default_currency(self):
        currency = self.cleaned_data["default_currency"].strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError("Enter a three-letter currency code, e.g. AUD.")
        return currency

    def clean_default_time_zone(self):
        name = self.cleaned_data["default_time_zone"].strip()
        if name not in time_zone_names():
            raise forms.ValidationError(f"Unknown time zone “{name}”: use a name like Australia/Sydney.")
        return name
