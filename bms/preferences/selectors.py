from bms.preferences.models import GeneralSettings, IntegrationPackage


def general_settings() -> GeneralSettings:
    """The one settings row, created with defaults the first time it is asked for."""
    settings_row, _ = GeneralSettings.objects.get_or_create(pk=1)
    return settings_row


def xero_is_active() -> bool:
    return general_settings().integration_package == IntegrationPackage.XERO
