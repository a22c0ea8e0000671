from django.apps import AppConfig


class PreferencesConfig(AppConfig):
    name = "bms.preferences"
    label = "preferences"
    verbose_name = "General settings"
