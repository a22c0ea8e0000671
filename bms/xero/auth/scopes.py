"""Which scopes Authenticate with Xero asks for (PRODUCT.md §3.1): the minimum the integration
needs, and wider ones only when an admin turned on what needs them (the consent step says why)."""

from __future__ import annotations

from django.conf import settings

READ_SETTINGS, WRITE_SETTINGS = "accounting.settings.read", "accounting.settings"
PAYMENTS = "accounting.payments"  # to send payments entered in BMS before connecting (§3.8)


def requested_scopes(*, settings_write: bool = False, payments: bool = False) -> list[str]:
    """The base scopes (XERO_SCOPES), plus `accounting.settings` instead of its read-only form when
    `settings_write`, plus `accounting.payments` when `payments`."""
    scopes = settings.XERO_SCOPES.split()
    if settings_write:
        scopes = [WRITE_SETTINGS if scope == READ_SETTINGS else scope for scope in scopes]
        scopes += [] if WRITE_SETTINGS in scopes else [WRITE_SETTINGS]
    if payments and PAYMENTS not in scopes:
        scopes.append(PAYMENTS)
    return scopes
