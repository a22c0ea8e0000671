"""Form widgets shared by the screens that ask for a time zone (General Settings, Entities)."""

from functools import lru_cache

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from bms.core.tz import time_zone_names


@lru_cache(maxsize=1)
def _zone_options() -> SafeString:
    # ~600 names; built once per process rather than on every page view.
    return format_html_join("", '<option value="{}">', ((name,) for name in sorted(time_zone_names())))


class TimeZoneInput(forms.TextInput):
    """A text input that suggests the IANA zone names Python knows, so typing "Sydney" offers
    Australia/Sydney. It only suggests: the form and the service still refuse an unknown name, with
    a message at the field."""

    datalist_id = "time-zone-names"

    def __init__(self, attrs=None):
        super().__init__({"list": self.datalist_id, "autocomplete": "off", "spellcheck": "false",
                          "placeholder": "e.g. Australia/Sydney", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        return field + format_html('<datalist id="{}">{}</datalist>', self.datalist_id, _zone_options())
