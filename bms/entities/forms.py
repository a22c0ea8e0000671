from django import forms

from bms.entities.models import Entity, EntityKind


class EntityForm(forms.ModelForm):
    class Meta:
        model = Entity
        fields = ["kind", "organisation", "name", "trading_name", "code", "prefix", "time_zone", "is_default",
                  "tracking_option_1", "tracking_option_2"]
        labels = {"is_default": "Default entity", "tracking_option_1": "Tracking option 1",
                  "tracking_option_2": "Tracking option 2", "prefix": "Reference prefix"}
        help_texts = {
            "tracking_option_1": "This entity's option in Xero tracking category 1 (named in General Settings), "
            "e.g. Sydney.",
            "tracking_option_2": "Its option in tracking category 2, if that category is named.",
            "code": "A short unique code, e.g. AU.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = Entity.objects.filter(kind=EntityKind.ORGANISATION).order_by("name")
        if self.instance.pk:
            organisations = organisations.exclude(pk=self.instance.pk)
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].help_text = "Required for a branch; leave empty for an organisation."
