"""One Accounting API request as the endpoint functions see it, and the envelope Xero answers with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from xero_sandbox.common import ValidationFailedError, element_error, new_id, post_data_invalid, validation_exception
from xero_sandbox.xerodates import ms_date, parse_http_date


@dataclass
class Req:
    method: str
    org: dict
    tenant_id: str
    client_id: str
    now: datetime
    query: dict[str, str]  # lower-cased names
    body: object = None
    path_params: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)  # lower-cased names

    def param(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name.lower(), default)

    @property
    def summarize(self) -> bool:
        # xero-python sends "False"; the parameter is case-insensitive.
        return (self.param("summarizeErrors", "true") or "true").lower() != "false"

    @property
    def unitdp4(self) -> bool:
        return self.param("unitdp") == "4"

    @property
    def modified_since(self) -> datetime | None:
        return parse_http_date(self.headers.get("if-modified-since", ""))


def envelope(key: str, items: list, now: datetime, pagination: dict | None = None) -> dict:
    body = {"Id": new_id(), "Status": "OK", "ProviderName": "BMS Xero Sandbox", "DateTimeUTC": ms_date(now),
            key: items}
    if pagination is not None:
        body["pagination"] = pagination
    return body


def paginate(req: Req, items: list) -> tuple[list, dict | None]:
    page = req.param("page")
    if page is None:
        return items, None
    try:
        number = max(1, int(page))
        size = min(1000, max(1, int(req.param("pageSize", "100"))))  # Xero clamps out-of-range values
    except ValueError as exc:
        raise post_data_invalid("page and pageSize must be whole numbers") from exc
    start = (number - 1) * size
    count = len(items)
    return items[start:start + size], {"page": number, "pageSize": size, "pageCount": -(-count // size),
                                       "itemCount": count}


def elements_of(req: Req, key: str) -> list[dict]:
    body = req.body
    if isinstance(body, dict) and key in body:
        body = body[key]
    elif isinstance(body, dict):
        body = [body]  # a single element, as Xero also accepts
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        raise post_data_invalid(f"The request body must hold a list of {key}")
    if not body:
        raise post_data_invalid(f"No {key} were sent")
    return body


def write_batch(req: Req, key: str, elements: list[dict], apply: Callable[[dict], dict]) -> tuple[int, dict]:
    """Apply each element on its own: one refused element never stops the others (which, as in real
    Xero, are saved even when the summarised answer is a 400)."""
    results, errors = [], []
    for element in elements:
        try:
            results.append(apply(element))
        except ValidationFailedError as exc:
            failed = element_error(element, exc.messages)
            results.append(failed)
            errors.append(failed)
    if errors and req.summarize:
        return 400, validation_exception(errors)
    return 200, envelope(key, results, req.now)
