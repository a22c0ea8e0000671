"""Each request shows times in the instance's default time zone (General Settings), unless a screen
names an entity's own: the `local` filter (bms/core/templatetags/bms_ui.py) reads the zone
activated here."""

from django.utils import timezone

from bms.core.tz import is_valid_time_zone
from bms.preferences.selectors import general_settings


class DefaultTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = general_settings().default_time_zone
        if is_valid_time_zone(name):  # the form refuses an unknown name; an old row may still hold one
            timezone.activate(name)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
