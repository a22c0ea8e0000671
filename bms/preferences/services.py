"""Changing General Settings: the one way in, used by the screen and by anything else."""

from datetime import time

from django.db import transaction

from bms.core.audit import audit_record
from bms.core.errors import DomainError
from bms.core.tz import is_valid_time_zone
from bms.preferences.currencies import is_known_currency
from bms.preferences.models import GeneralSettings, IntegrationPackage
from bms.preferences.selectors import general_settings

EDITABLE = frozenset({
    "default_currency", "default_time_zone", "integration_package",
    "invoice_push_interval_minutes", "payment_pull_interval_minutes",
    "journal_run_local_time", "journal_description_prefix",
})

# A schedule slower than daily would leave invoices out of Xero (or payments out of BMS) for days
# without anyone noticing; faster than a minute would only burn Xero's 60-calls-a-minute limit.
MAX_INTERVAL_MINUTES = 24 * 60


def normalise_currency(code: str) -> str:
    """" aud " → "AUD"; refuses anything that is not an ISO 4217 currency code."""
    code = (code or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise DomainError("Enter a three-letter currency code, e.g. AUD.", field="default_currency")
    if not is_known_currency(code):
        raise DomainError(f"{code} is not an ISO 4217 currency code.", field="default_currency")
    return code


def _validate(row: GeneralSettings) -> None:
    row.default_currency = normalise_currency(row.default_currency)
    row.default_time_zone = (row.default_time_zone or "").strip()
    if not is_valid_time_zone(row.default_time_zone):
        raise DomainError(f"Unknown time zone “{row.default_time_zone}”: use a name like Australia/Sydney.",
                          field="default_time_zone")
    if row.integration_package not in IntegrationPackage.values:
        raise DomainError(f"Unknown integration package “{row.integration_package}”.", field="integration_package")
    for name in ("invoice_push_interval_minutes", "payment_pull_interval_minutes"):
        minutes = getattr(row, name)
        if not isinstance(minutes, int) or not 1 <= minutes <= MAX_INTERVAL_MINUTES:
            raise DomainError(f"Enter a whole number of minutes from 1 to {MAX_INTERVAL_MINUTES} (a day).",
                              field=name)
    if not isinstance(row.journal_run_local_time, time):
        raise DomainError("Enter a time of day, e.g. 01:00.", field="journal_run_local_time")
    row.journal_description_prefix = (row.journal_description_prefix or "").strip()
    if not row.journal_description_prefix:
        # Xero requires a narration on every manual journal; the prefix is most of it.
        raise DomainError("Enter the journal description, e.g. B2B Cost of Sales Journal for.",
                          field="journal_description_prefix")


def general_settings_update(*, user, **fields) -> GeneralSettings:
    """Save General Settings and record what changed in the audit log.

    Only an implementation partner (superuser) may change the integration package. The rule lives
    here as well as in the form, so no request and no other caller can get round it."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"unexpected settings {sorted(unknown)}")
    with transaction.atomic():
        # get_or_create first: select_for_update needs the row to exist before it can lock it.
        row = GeneralSettings.objects.select_for_update().get(pk=general_settings().pk)
        before = {name: str(getattr(row, name)) for name in EDITABLE}
        if ("integration_package" in fields and fields["integration_package"] != row.integration_package
                and not user.is_superuser):
            raise DomainError("Only an implementation partner can change the accounting integration package.",
                              field="integration_package")
        for name, value in fields.items():
            setattr(row, name, value)
        _validate(row)
        row.save()
        after = {name: str(getattr(row, name)) for name in EDITABLE}
        changed = sorted(name for name in EDITABLE if before[name] != after[name])
        if changed:
            audit_record(
                actor=user,
                # Its own action name, so a package change is easy to find among routine edits.
                action="settings.package_changed" if "integration_package" in changed else "settings.changed",
                target="General Settings",
                before={name: before[name] for name in changed},
                after={name: after[name] for name in changed},
            )
    return row
