"""Xero's error answers, in Xero's shapes (xero-notes §4).

- a refused element: `ValidationFailedError` carrying Xero's messages; the batch turns it into a
  per-element `ValidationErrors` list, or a 400 `ValidationException` when errors are summarised;
- anything else that is not a 200: `ApiError` with the exact status and body (problem details for
  401/403/404/429/500, `PostDataInvalidException` for unreadable input, plain text for 503).
"""

from __future__ import annotations

import uuid


class ValidationFailedError(Exception):
    """One element refused, with Xero's messages. `echo` is what the answer shows of the element
    (by default what was sent; for an update, the stored element with the changes sent)."""

    def __init__(self, *messages: str, echo: dict | None = None):
        super().__init__("; ".join(messages))
        self.messages = list(messages)
        self.echo = echo


class ApiError(Exception):
    """An HTTP answer other than 200 or a per-element validation error."""

    def __init__(self, status: int, body: object, content_type: str = "application/json",
                 headers: dict[str, str] | None = None):
        super().__init__(str(status))
        self.status, self.body, self.content_type = status, body, content_type
        self.headers = headers or {}


def validation_exception(elements: list[dict]) -> dict:
    return {"ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred",
            "Elements": elements}


def post_data_invalid(message: str) -> ApiError:
    """Xero's answer to input it cannot read at all (malformed JSON, dates, paging, filters)."""
    return ApiError(400, {"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": message})


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> ApiError:
    """RFC 7807 problem details, spelled as Xero spells them (capitalised keys)."""
    return ApiError(status, {"Type": None, "Title": title, "Status": status, "Detail": detail,
                             "Instance": str(uuid.uuid4()), "Extensions": {}}, headers=headers)


def not_found() -> ApiError:
    return problem(404, "Not Found", "The resource you're looking for cannot be found")
