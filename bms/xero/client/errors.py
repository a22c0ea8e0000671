"""Xero errors, classified by what the caller does next (ARCHITECTURE.md, "Writing to Xero").

- RetryableError: nothing landed, or Xero asked us to come back; back off and try again.
- ValidationError: Xero refused this record; fail it with Xero's message, the batch goes on.
- AuthError: the grant is dead or the tenant disconnected; park the work, ask for re-authentication.
- UncertainError: the request may have landed (timeout after sending); look the record up
  before creating it again.
"""

from __future__ import annotations

from bms.xero.client.refusals import Refusal, RefusalKind


class XeroError(Exception):
    def __init__(self, message: str, *, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class RetryableError(XeroError):
    def __init__(self, message: str, *, status_code: int | None = None, retry_after_s: float | None = None,
                 limit_problem: str | None = None):
        super().__init__(message, status_code=status_code)
        self.retry_after_s = retry_after_s
        # Xero's X-Rate-Limit-Problem: "minute", "day", "appminute" or "concurrent".
        self.limit_problem = limit_problem


class ValidationError(XeroError):
    def __init__(self, message: str, *, status_code: int | None = 400, messages: list[str] | None = None):
        super().__init__(message, status_code=status_code)
        self.messages = messages or [message]


class AuthError(XeroError):
    """invalid_grant from the token endpoint, or 401/403 for the tenant. `refusal` says what it
    means and so what fixes it (client/refusals.py); without one it is a dead grant."""

    def __init__(self, message: str, *, status_code: int | None = None, oauth_error: str | None = None,
                 refusal: Refusal | None = None):
        super().__init__(message, status_code=status_code)
        self.oauth_error = oauth_error
        self.refusal = refusal or Refusal(RefusalKind.GRANT, oauth_error or message[:200])


class TokenExpiredError(XeroError):
    """401 TokenExpired before the token's stored expiry (Xero expired it early, or the clocks
    differ): not a dead grant. The client refreshes once and sends again; it carries no refusal, so
    the attempt log does not park anything for it."""

    def __init__(self, message: str, *, expired_token: str):
        super().__init__(message, status_code=401)
        self.expired_token = expired_token


class UncertainError(XeroError):
    """The request was sent and no answer came back: it may or may not have landed."""


class ReadOnlyError(XeroError):
    """A write asked of a read-only client (Check against Xero): refused before anything is sent."""
