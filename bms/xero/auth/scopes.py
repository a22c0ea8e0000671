"""The OAuth scopes BMS asks Xero for, and why each is asked (PRODUCT.md §3.1, xero-notes §1.3).

The connect flow asks the minimum; a wider scope only when an admin turns on what needs it, and
the consent step says why:

- `accounting.settings` instead of `accounting.settings.read`: creating tracking options in Xero
  (PUT /TrackingCategories… needs it; reading them needs only `.read`);
- `accounting.payments` instead of `accounting.payments.read`: sending payments entered in BMS
  before connecting, and refunds entered before their credit note was sent (PUT /Payments).

Xero keeps scopes across re-authorisations (they are additive, xero-notes §1.3), so a grant that
once received a wider scope keeps it; `grant_has_scope` reads what the grant holds.
"""

from __future__ import annotations

from django.conf import settings

SETTINGS_READ = "accounting.settings.read"
SETTINGS_WRITE = "accounting.settings"
PAYMENTS_READ = "accounting.payments.read"
PAYMENTS_WRITE = "accounting.payments"

# Why each scope is asked, for the consent step (what Xero's consent page will list).
REASONS = {
    "offline_access": "stay connected between sign-ins (a refresh token)",
    "openid": "record who authenticated",
    "profile": "record who authenticated (name)",
    "email": "record who authenticated (email)",
    "accounting.contacts": "create and update your customers as Xero contacts",
    "accounting.invoices": "send released invoices and credit notes",
    PAYMENTS_READ: "read payments recorded in Xero",
    PAYMENTS_WRITE: "send payments entered in BMS before the entity was connected, and refunds entered before "
                    "their credit note was sent",
    "accounting.manualjournals": "send the nightly cost-of-sales journals",
    SETTINGS_READ: "read the organisation, its accounts, tax rates, tracking categories and currencies",
    SETTINGS_WRITE: "create tracking options in Xero when an admin asks for one (and read the settings)",
}
# The wider scopes, each with the action that turns it on.
WIDER = {SETTINGS_WRITE: "you chose to create tracking options in Xero from BMS",
         PAYMENTS_WRITE: "you chose to send payments entered in BMS before connecting"}


def _base_scopes() -> list[str]:
    return [scope for scope in settings.XERO_SCOPES.split() if scope]


def requested_scopes(*, settings_write: bool = False, payments: bool = False) -> list[str]:
    """The scopes the connect flow asks: the base ones (XERO_SCOPES), with `accounting.settings`
    instead of `accounting.settings.read` when `settings_write`, and `accounting.payments` instead
    of `accounting.payments.read` when `payments` (each write scope includes reading)."""
    scopes = _base_scopes()
    for wanted, write, read in ((settings_write, SETTINGS_WRITE, SETTINGS_READ),
                                (payments, PAYMENTS_WRITE, PAYMENTS_READ)):
        if wanted:
            scopes = [scope for scope in scopes if scope != read]
            if write not in scopes:
                scopes.append(write)
    return scopes


def grant_has_scope(granted: str, scope: str) -> bool:
    """Does a grant's space-separated scope list hold `scope`?"""
    return scope in granted.split()


def scope_reasons(scopes: list[str]) -> list[tuple[str, str, bool]]:
    """(scope, why it is asked, is it a wider one) for each scope, in order: the consent step's list."""
    return [(scope, WIDER.get(scope) or REASONS.get(scope, ""), scope in WIDER) for scope in scopes]
