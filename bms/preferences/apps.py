from django.apps import AppConfig


class PreferencesConfig(AppConfig):
    name = "bms.preferences"
    label = "preferences"
    verbose_name = "General settings"

    def ready(self):
        from bms.core.audit import audit_actions_register

        audit_actions_register({
            "settings.package_changed": "Integration package changed",
            "settings.changed": "General Settings changed",
        })
