"""What BMS says when Xero sends the admin back from its consent page with an error instead of a code.

RFC 6749 §4.1.2.1 names the codes. Xero's own text (`error_description`) is never shown: the page would
repeat whatever the address said, and anyone can craft an address."""

from __future__ import annotations

_DECLINED = {
    "access_denied": "You cancelled the connection in Xero, so nothing was changed.",
    "invalid_scope": "Xero refused the permissions BMS asked for, so nothing was changed.",
    "server_error": "Xero could not complete the sign-in just now, so nothing was changed. Try again in a few minutes.",
    "temporarily_unavailable": "Xero could not complete the sign-in just now, so nothing was changed. "
                               "Try again in a few minutes.",
}
_DECLINED_CONFIGURATION = ("Xero refused BMS's sign-in request, so nothing was changed. The Xero app settings on this "
                           "server (XERO_CLIENT_ID, XERO_REDIRECT_URI) may not match the app at developer.xero.com.")
_DECLINED_OTHER = "Xero did not authorise BMS, so nothing was changed."


def declined_sentence(error: str) -> str:
    if error in _DECLINED:
        return _DECLINED[error]
    if error in ("invalid_request", "unauthorized_client", "unsupported_response_type", "invalid_client"):
        return _DECLINED_CONFIGURATION
    return _DECLINED_OTHER
