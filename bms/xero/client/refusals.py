"""What Xero means when it refuses a connection: the one classifier of 401 and 403 answers, by
what fixes them (issue 17, item 1). Pure: one response in, one `Refusal` out; the choke point
(`XeroAccountingClient._send`) and the token endpoint (`XeroOAuth`) both use it.

- token endpoint `{"error": "invalid_grant"}` (xero-notes §1.4), or a 401 with Detail
  `AuthenticationUnsuccessful` / `TokenExpired` (xero-notes §1.6, §4): the grant is dead (revoked,
  expired) → re-authenticate;
- 401 with `WWW-Authenticate: … insufficient_scope` (xero-notes §1.3, §4): the grant lacks a scope
  this call needs → re-authenticate (the consent asks for it again);
- 403 with Detail `AuthenticationUnsuccessful` (xero-notes §1.6; XeroAPI/xero-php-oauth2#147): the
  organisation was disconnected from the grant → reconnect it (re-authenticate and tick it);
- 401 or 403 saying "You are not permitted to access this resource…" (xero-notes §4 "403: user lacks
  permission", §8: manual journals need the "Standard + All Reports" or Adviser role;
  XeroAPI/Xero-Net#347, calcinai/xero-php#632 quote Xero's words): the Xero user's role does not
  allow this kind of call → that user's role in Xero; only this kind of work waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Xero's words for a refusal by role: "You are not permitted to access this resource[ without the
# reporting role or higher privileges]" (XeroAPI/Xero-Net#347, calcinai/xero-php#632).
NOT_PERMITTED = "not permitted"


class RefusalKind(StrEnum):
    GRANT = "grant"
    SCOPE = "scope"
    TENANT = "tenant"
    PERMISSION = "permission"


# The scope family each operation needs (xero-notes §1.3): what a missing scope or a role refusal
# blocks. Reads and writes of one family share it (a write scope includes reading).
OPERATION_FAMILY = {
    "getOrganisations": "settings", "getAccounts": "settings", "getTaxRates": "settings",
    "getTrackingCategories": "settings", "createTrackingOptions": "settings", "getCurrencies": "settings",
    "getContacts": "contacts", "getContact": "contacts", "updateContact": "contacts", "createContacts": "contacts",
    "updateOrCreateContacts": "contacts",
    "getInvoices": "invoices", "createInvoices": "invoices", "updateOrCreateInvoices": "invoices",
    "getCreditNotes": "invoices", "getCreditNote": "invoices", "createCreditNotes": "invoices",
    "updateOrCreateCreditNotes": "invoices", "createCreditNoteAllocation": "invoices",
    "deleteCreditNoteAllocations": "invoices",
    "getPayments": "payments", "createPayments": "payments",
    "getManualJournals": "manualjournals", "createManualJournals": "manualjournals",
}


@dataclass(frozen=True)
class Refusal:
    kind: RefusalKind
    detail: str  # Xero's own words, short: "AuthenticationUnsuccessful", "insufficient_scope", …
    operation: str = ""  # the operationId refused ("" for the token endpoint)
    is_write: bool = False

    @property
    def family(self) -> str:
        """The scope family of the refused operation ("manualjournals"); "" when not known."""
        return OPERATION_FAMILY.get(self.operation, "")


def refusal_of(status: int, *, www_authenticate: str, detail: str, operation: str, is_write: bool) -> Refusal:
    """The refusal a 401 or 403 answer means. `detail` is the body's Detail (or Message), as sent."""
    words = detail.strip()[:200]
    if NOT_PERMITTED in words.lower():
        return Refusal(RefusalKind.PERMISSION, words, operation, is_write)
    if status == 401 and "insufficient_scope" in www_authenticate:
        return Refusal(RefusalKind.SCOPE, "insufficient_scope", operation, is_write)
    if status == 403:
        return Refusal(RefusalKind.TENANT, words or "Forbidden", operation, is_write)
    return Refusal(RefusalKind.GRANT, words or "Unauthorized", operation, is_write)


def invalid_grant() -> Refusal:
    """The token endpoint's `invalid_grant`: the refresh token is revoked or expired."""
    return Refusal(RefusalKind.GRANT, "invalid_grant")
