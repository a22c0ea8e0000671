"""Filters on every log handler (settings.LOGGING), so what any process prints is fit for a log file.

`RedactSecrets`: no OAuth code or state, no token, no client secret, no Authorization header in a
log line — whichever logger wrote it (Django's runserver access log prints every request line with
its query string, so the callback's `?code=…&state=…` would be there; httpx and httpcore at DEBUG).

`ClientErrorsOneLine`: a routine refusal (403, 404, 400) is one line — method, path without the
query string, status, user id — instead of Django's traceback; a 500 keeps its traceback.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus

from django.http import HttpRequest
from django.utils.functional import empty

REDACTED = "[redacted]"
_SECRET_NAMES = r"access_token|refresh_token|id_token|client_secret|code_verifier"  # noqa: S105 (names, not values)
_PATTERNS = [
    # A query string or form body: ?code=…&state=…&session_state=…
    (re.compile(r"(?i)(?<![\w-])(code|state|session_state)=[^&\s\"'<>]+"), rf"\1={REDACTED}"),
    # JSON, a dict's repr, a form body or key=value: "access_token": "…", refresh_token=…
    (re.compile(rf"(?i)\b({_SECRET_NAMES})(\\?[\"']?\s*[:=]\s*(?:b?\\?[\"'])?)[^\"'&\s,;}}\\]+"), rf"\1\2{REDACTED}"),
    # An Authorization header in any spelling, and a bearer token on its own.
    (re.compile(r"(?i)(authorization\\?[\"']?\s*[:=]\s*\\?[\"']?\s*)(?:(bearer|basic)\s+)?[^\s\"',}]+"),
     rf"\1\2 {REDACTED}"),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*"), rf"\1 {REDACTED}"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites the record in place (message with its arguments, traceback, structured fields), so
    every handler after this one sees the redacted text too."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 (a malformed call: its arguments are shown as they are, redacted)
            message = f"{record.msg} {record.args!r}"
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {key: redact(value) if isinstance(value, str) else value for key, value in fields.items()}
        return True


class ClientErrorsOneLine(logging.Filter):
    """Django logs a 403 (PermissionDenied) or a 400 (SuspiciousOperation, BadRequest) with the
    exception's traceback: noise for what is a refusal working as designed. Such a record becomes
    `Forbidden: POST /billing/invoices/3/approve/ status=403 user=7`; only 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        request = getattr(record, "request", None)
        if (not isinstance(status, int) or not 400 <= status < 500 or not isinstance(request, HttpRequest)
                or getattr(record, "one_line", False)):
            return True
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Client error"
        path = request.path.encode("unicode_escape").decode("ascii")  # a newline in a path is not a new line
        record.msg, record.args = f"{reason}: {request.method} {path}", ()
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        record.fields = {**(getattr(record, "fields", None) or {}), "status": status, "user": _user_id(request)}
        record.one_line = True
        return True


def _user_id(request: HttpRequest) -> str:
    """The signed-in user's id if the request already knows it: a log line never queries the
    database (the request may have ended in a broken transaction)."""
    lazy = request.__dict__.get("user")
    user = getattr(lazy, "_wrapped", lazy)
    if user is None or user is empty or not getattr(user, "is_authenticated", False):
        return "-"
    return str(user.pk)
