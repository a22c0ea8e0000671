"""Reading Xero's answers: the rate-limit headers, the parsed body, and the error class of a failed
call, chosen by what the caller does next (client/errors.py). Pure functions of one response (or one
transport failure); the choke point (`XeroAccountingClient._send`) applies them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx2

from bms.xero.client.errors import AuthError, RetryableError, UncertainError, ValidationError, XeroError
from bms.xero.client.refusals import RefusalKind, refusal_of
from bms.xero.client.schemas import validation_messages

# Failures of the exchange itself that say whether the request left (see `transport_failure`);
# anything else a transport raises (a bad URL, a proxy error) is a bug, not Xero's answer.
TRANSPORT_ERRORS = (
    httpx2.ConnectError, httpx2.TimeoutException, httpx2.RemoteProtocolError, httpx2.ReadError, httpx2.WriteError,
)


@dataclass(frozen=True)
class RateLimitHeaders:
    day_remaining: int | None = None
    minute_remaining: int | None = None
    app_minute_remaining: int | None = None

    @classmethod
    def from_response(cls, response: httpx2.Response) -> RateLimitHeaders:
        def read(name: str) -> int | None:
            value = response.headers.get(name)
            try:
                return int(value) if value is not None else None
            except ValueError:
                return None

        return cls(
            day_remaining=read("X-DayLimit-Remaining"),
            minute_remaining=read("X-MinLimit-Remaining"),
            app_minute_remaining=read("X-AppMinLimit-Remaining"),
        )


@dataclass
class XeroResponse:
    status_code: int
    data: Any  # Xero's JSON body, as parsed: untyped until a schema validates it
    limits: RateLimitHeaders


def parse_json(response: httpx2.Response) -> Any:
    # Money must stay Decimal from the wire on (xero-notes trap 17).
    return json.loads(response.content or b"null", parse_float=Decimal)


def error_facts(error: Exception | None) -> dict[str, Any]:
    """What the attempt log keeps of a failed call: a refusal's meaning, a 429's wait."""
    if isinstance(error, AuthError):
        return {"refusal": error.refusal}
    if isinstance(error, RetryableError):
        return {"retry_after_s": error.retry_after_s, "limit_problem": error.limit_problem}
    return {}


def transport_failure(exc: Exception, *, is_write: bool) -> tuple[str, XeroError]:
    """The outcome and error of a request that got no answer (one of TRANSPORT_ERRORS)."""
    if isinstance(exc, httpx2.ConnectError):
        return "retryable", RetryableError(f"could not reach Xero ({type(exc).__name__})")
    # Sent, but no answer: a write may have landed.
    error_class = UncertainError if is_write else RetryableError
    return ("uncertain" if is_write else "retryable"), error_class(f"no answer from Xero ({type(exc).__name__})")


REFUSED_BECAUSE = {
    RefusalKind.GRANT: "the connection is no longer valid",
    RefusalKind.SCOPE: "the connection lacks a permission (scope) this call needs",
    RefusalKind.TENANT: "this organisation is no longer connected",
    RefusalKind.PERMISSION: "the Xero user who connected is not permitted to do this",
}


def classify(response: httpx2.Response, *, is_write: bool, operation: str = "") -> tuple[str, XeroError | None]:
    """The attempt log's outcome for an answer, and the error to raise (None when it succeeded)."""
    status = response.status_code
    if status < 400:
        return "ok", None
    if status == 429:
        problem = response.headers.get("X-Rate-Limit-Problem")
        return "retryable", RetryableError(
            f"Xero's {problem or 'rate'} limit was reached", status_code=429,
            retry_after_s=retry_after(response), limit_problem=problem,
        )
    if status in (401, 403):
        detail = _problem_detail(response)
        refusal = refusal_of(status, www_authenticate=response.headers.get("WWW-Authenticate", ""), detail=detail,
                             operation=operation, is_write=is_write)
        return "auth", AuthError(
            f"Xero refused {operation or 'the call'}: {REFUSED_BECAUSE[refusal.kind]} ({status} {refusal.detail})",
            status_code=status, refusal=refusal,
        )
    if status == 400:
        messages = _error_messages(response)
        return "validation", ValidationError("; ".join(messages) or "Xero refused the request", messages=messages)
    if status == 404:
        return "validation", ValidationError("Xero has no such record", status_code=404)
    if status >= 500 and is_write and status != 503:
        # Xero caches an internal error against the Idempotency-Key and the write may have
        # happened: look the record up, then retry with a new key (xero-notes trap 18).
        return "uncertain", UncertainError(f"Xero answered {status} to a write", status_code=status)
    if status >= 500:
        text = response.text.strip()[:200] if "json" not in response.headers.get("content-type", "") else ""
        return "retryable", RetryableError(
            f"Xero is unavailable ({status}{': ' + text if text else ''})", status_code=status,
            retry_after_s=retry_after(response),
        )
    return "error", XeroError(f"Xero answered {status}", status_code=status)


def retry_after(response: httpx2.Response) -> int | None:
    """Retry-After in whole seconds (HTTP's delta-seconds); None when absent or not a number."""
    value = (response.headers.get("Retry-After") or "").strip()
    return max(0, int(value)) if value.isdigit() else None


def _problem_detail(response: httpx2.Response) -> str:
    try:
        data = parse_json(response)
    except ValueError:
        return ""
    if isinstance(data, dict):
        return str(data.get("Detail") or data.get("Message") or data.get("Title") or "")
    return ""


def _error_messages(response: httpx2.Response) -> list[str]:
    try:
        data = parse_json(response)
    except ValueError:
        return [response.text.strip()[:500]] if response.text.strip() else []
    if not isinstance(data, dict):
        return []
    messages: list[str] = []
    for element in data.get("Elements") or []:
        messages.extend(validation_messages(element))
    if not messages and data.get("Message"):
        messages.append(str(data["Message"]))
    if not messages and data.get("Detail"):
        messages.append(str(data["Detail"]))
    return messages
