from django.db import transaction

from bms.core.audit import audit_record
from bms.core.errors import DomainError
from bms.core.tz import is_valid_time_zone
from bms.preferences.models import GeneralSettings, IntegrationPackage
from bms.preferences.selectors import general_settings

EDITABLE = {
    "default_currency", "default_time_zone", "integration_package", "tracking_category_1_name",
    "tracking_category_2_name", "invoice_push_interval_minutes", "payment_pull_interval_minutes",
    "journal_run_local_time", "journal_description_prefix",
}


def general_settings_update(*, user, **fields) -> GeneralSettings:
    """Save General Settings. Only an implementation partner (superuser) may change the
    integration package: the rule lives here, not only in the form, so no request can get round it."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"unexpected settings {sorted(unknown)}")
    with transaction.atomic():
        current = general_settings()
        settings_row = GeneralSettings.objects.select_for_update().get(pk=current.pk)
        package = fields.get("integration_package", settings_row.integration_package)
        if package != settings_row.integration_package and not user.is_superuser:
            raise DomainError(
                "Only an implementation partner can change the accounting integration package.",
                field="integration_package",
            )
        if package not in IntegrationPackage.values:
            raise DomainError(f"Unknown integration package {package!r}.", field="integration_package")
        zone_name = fields.get("default_time_zone", settings_row.default_time_zone)
        if not is_valid_time_zone(zone_name):
            raise DomainError(f"Unknown time zone {zone_name!r}: use a name like Australia/Sydney.",
                              field="default_time_zone")
        before = {name: str(getattr(settings_row, name)) for name in fields}
        for name, value in fields.items():
            setattr(settings_row, name, value.upper() if name == "default_currency" else value)
        settings_row.full_clean()
        settings_row.save()
        changed = {name: str(getattr(settings_row, name)) for name in fields if before[name] != str(getattr(
            settings_row, name))}
        if changed:
            audit_record(
                actor=user,
                action="settings.package_changed" if "integration_package" in changed else "settings.changed",
                target="General Settings",
                before={name: before[name] for name in changed},
                after=changed,
            )
    return settings_row
