from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from bms.core.errors import DomainError
from bms.core.tz import is_valid_time_zone
from bms.preferences.models import GeneralSettings
from bms.preferences.services import MAX_INTERVAL_MINUTES, normalise_currency
from bms.preferences.widgets import TimeZoneInput

INTERVAL_MESSAGE = f"Enter a whole number of minutes from 1 to {MAX_INTERVAL_MINUTES} (a day)."
PACKAGE_LOCKED = "Only an implementation partner can change the accounting integration package."


class GeneralSettingsForm(forms.ModelForm):
    class Meta:
        model = GeneralSettings
        fields = [
            "default_currency", "default_time_zone", "integration_package",
            "invoice_push_interval_minutes", "payment_pull_interval_minutes",
            "journal_run_local_time", "journal_description_prefix",
        ]
        labels = {
            "integration_package": "Accounting integration package",
            "invoice_push_interval_minutes": "Push invoices every (minutes)",
            "payment_pull_interval_minutes": "Pull payments every (minutes)",
            "journal_run_local_time": "Nightly journal at (entity local time)",
            "journal_description_prefix": "Journal description",
        }
        help_texts = {
            "default_currency": "Three-letter ISO code for new invoices, e.g. AUD.",
            "default_time_zone": "Used by entities without a time zone of their own, e.g. Australia/Sydney.",
            "integration_package": "Only Xero activates the Xero integration: with any other package no Xero call "
            "is made and the Xero buttons explain why.",
            "invoice_push_interval_minutes": "How often released invoices, and the journals built since, are sent to "
            "Xero.",
            "payment_pull_interval_minutes": "How often payments are read back from Xero.",
            "journal_run_local_time": "When each entity's cost-of-sales journal for the previous day is built, in "
            "that entity's time zone.",
            "journal_description_prefix": "Followed by the date, e.g. “B2B Cost of Sales Journal for 23/04/2026”.",
        }
        widgets = {
            "default_currency": forms.TextInput(attrs={"maxlength": 3, "size": 4, "autocomplete": "off"}),
            "default_time_zone": TimeZoneInput(),
            "journal_run_local_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, can_change_package: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_change_package = can_change_package
        for name in ("invoice_push_interval_minutes", "payment_pull_interval_minutes"):
            # One rule, one message: the model field's own "≥ 0" would otherwise be said beside "≥ 1".
            field = self.fields[name]
            message = INTERVAL_MESSAGE
            field.validators = [MinValueValidator(1, message), MaxValueValidator(MAX_INTERVAL_MINUTES, message)]
            field.error_messages = {**field.error_messages, "invalid": message, "required": message}
            field.widget.attrs.update(min=1, max=MAX_INTERVAL_MINUTES)
        if not can_change_package:
            field = self.fields["integration_package"]
            # Disabled: the browser sends nothing and Django keeps the stored value.
            field.disabled = True
            field.help_text = f"{PACKAGE_LOCKED} {field.help_text}"

    def clean_default_currency(self):
        try:
            return normalise_currency(self.cleaned_data["default_currency"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_default_time_zone(self):
        name = self.cleaned_data["default_time_zone"].strip()
        if not is_valid_time_zone(name):
            raise forms.ValidationError(f"Unknown time zone “{name}”: use a name like Australia/Sydney.")
        return name

    def clean(self):
        cleaned = super().clean()
        # A disabled field ignores what is posted, which would let a crafted request "succeed"
        # silently; say no instead, so nobody believes the package changed.
        posted = self.data.get(self.add_prefix("integration_package"))
        if not self.can_change_package and posted is not None and posted != self.instance.integration_package:
            self.add_error("integration_package", PACKAGE_LOCKED)
        return cleaned
