"""One Accounting API request as the endpoint functions see it, the envelope Xero answers with,
paging, and the batch loop behind every write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from xero_sandbox.accounting import where
from xero_sandbox.accounting.elements import element_error, new_id
from xero_sandbox.errors import ValidationFailedError, post_data_invalid, validation_exception
from xero_sandbox.xerodates import ms_date, parse_http_date

MAX_PAGE_SIZE = 1000  # Xero clamps pageSize to 1..1000 (xero-notes §7)


@dataclass
class Req:
    method: str
    org: dict
    tenant_id: str
    client_id: str
    now: datetime
    query: dict[str, str]  # names lower-cased: Xero's query parameters are case-insensitive
    body: object = None
    path_params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased

    def param(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name.lower(), default)

    def flag(self, name: str) -> bool:
        return (self.param(name) or "").strip().lower() == "true"

    def id_list(self, name: str) -> set[str] | None:
        raw = self.param(name)
        return None if raw is None else {value.strip().lower() for value in raw.split(",") if value.strip()}

    @property
    def summarize(self) -> bool:
        # Absent means summarised; xero-python sends "False" with a capital F.
        return (self.param("summarizeErrors") or "true").strip().lower() != "false"

    @property
    def unitdp4(self) -> bool:
        return (self.param("unitdp") or "").strip() == "4"

    @property
    def modified_since(self) -> datetime | None:
        return parse_http_date(self.headers.get("if-modified-since", ""))


def envelope(key: str, items: list, now: datetime, pagination: dict | None = None) -> dict:
    body: dict = {"Id": new_id(), "Status": "OK", "ProviderName": "BMS Xero Sandbox", "DateTimeUTC": ms_date(now)}
    if pagination is not None:
        body["pagination"] = pagination
    body[key] = items
    return body


def paginate(req: Req, items: list) -> tuple[list, dict | None]:
    """`page` turns paging on (Xero's default page size 100); out-of-range values are clamped."""
    page = req.param("page")
    if page is None:
        return items, None
    try:
        number = max(1, int(page))
        size = min(MAX_PAGE_SIZE, max(1, int(req.param("pageSize") or "100")))
    except ValueError:
        raise post_data_invalid("page and pageSize must be whole numbers") from None
    start = (number - 1) * size
    count = len(items)
    return items[start:start + size], {"page": number, "pageSize": size, "pageCount": -(-count // size),
                                       "itemCount": count}


def elements_of(req: Req, key: str) -> list[dict]:
    """`{"Invoices": [...]}`, a bare list, or a single element, as Xero accepts."""
    body = req.body
    if isinstance(body, dict) and key in body:
        body = body[key]
    elif isinstance(body, dict):
        body = [body]
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        raise post_data_invalid(f"The request body must hold a list of {key}")
    if not body:
        raise post_data_invalid(f"No {key} were sent")
    return body


def echo_update(apply: Callable[[], dict], stored: dict, element: dict) -> dict:
    """Run an update; if it is refused, echo the stored element with the changes sent, as Xero
    does (so the echo still carries what the schema requires, e.g. a journal's Narration)."""
    try:
        return apply()
    except ValidationFailedError as exc:
        if exc.echo is None:
            exc.echo = {**stored, **element}
        raise


def write_batch(req: Req, key: str, elements: list[dict], apply: Callable[[dict], dict],
                enums: dict[str, set[str]] | None = None) -> tuple[int, dict]:
    """Apply each element on its own, in order: a refused element never stops the others, which
    (as in real Xero, xero-notes trap 3) are saved even when the summarised answer is a 400.

    `apply` must validate everything before it changes anything, so a refused element leaves no
    trace (never half-written)."""
    results, errors = [], []
    for element in elements:
        try:
            results.append(apply(element))
        except ValidationFailedError as exc:
            failed = element_error(exc.echo if exc.echo is not None else element, exc.messages, enums)
            results.append(failed)
            errors.append(failed)
        except TypeError:
            # A list or an object where Xero expects a string or a number (found by the hostile-input
            # suite): Xero refuses the element; apply validates before writing, so nothing was saved.
            failed = element_error(element, ["A field holds a value of the wrong type."], enums)
            results.append(failed)
            errors.append(failed)
    if errors and req.summarize:
        return 400, validation_exception(errors)
    return 200, envelope(key, results, req.now)


def list_answer(req: Req, key: str, records: list[dict], *, order: Callable[[dict], object],
                wire: Callable[[dict], dict], schema: str | None = None) -> tuple[int, dict]:
    """What every list endpoint ends with: If-Modified-Since, Xero's default order (then the
    client's `order`, its fields checked against `schema`'s), paging, the envelope."""
    if req.modified_since:
        records = [record for record in records if record["UpdatedDateUTC"] > req.modified_since]
    page, pagination = paginate(req, where.ordered(sorted(records, key=order), req.param("order"), schema))
    return 200, envelope(key, [wire(record) for record in page], req.now, pagination)
