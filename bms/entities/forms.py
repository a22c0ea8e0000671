from django import forms
from django.forms.models import fields_for_model, model_to_dict

from bms.core.tz import is_valid_time_zone
from bms.entities.models import Entity, EntityKind
from bms.preferences.widgets import TimeZoneInput

FIELDS = ["kind", "organisation", "name", "trading_name", "code", "prefix", "credit_note_prefix", "time_zone",
          "is_default"]


class EntityForm(forms.Form):
    """Shape only: the rules (a branch needs an organisation, known time zone, unique code and
    prefix, one default) belong to the service, which names the field each message concerns.

    A plain Form built from the model's fields rather than a ModelForm on purpose: a ModelForm
    checks the model's constraints before the service runs, and the one-default constraint would
    then refuse a new default before the service could hand the flag over from the old one."""

    def __init__(self, data=None, *, instance: Entity | None = None, **kwargs):
        super().__init__(data, initial=model_to_dict(instance, fields=FIELDS) if instance else None, **kwargs)
        self.fields.update(fields_for_model(
            Entity,
            fields=FIELDS,
            labels={"is_default": "Default entity", "prefix": "Reference prefix"},
            help_texts={
                "organisation": "Required for a branch; leave empty for an organisation.",
                "code": "A short unique code, e.g. AU.",
                "is_default": "New documents start on the default entity. Choosing this one clears the old default.",
            },
            widgets={"time_zone": TimeZoneInput(attrs={"placeholder": "Blank: the default time zone"})},
        ))
        organisations = Entity.objects.filter(kind=EntityKind.ORGANISATION).order_by("name")
        if instance is not None:
            organisations = organisations.exclude(pk=instance.pk)
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].empty_label = "— none (an organisation) —"

    def clean_time_zone(self):
        # Checked here too (the service is the authority) so this error shows beside any other
        # the service finds, instead of one at a time.
        name = self.cleaned_data["time_zone"].strip()
        if name and not is_valid_time_zone(name):
            raise forms.ValidationError(f"Unknown time zone “{name}”: use a name like Australia/Sydney, or leave it "
                                        "blank for the default.")
        return name
