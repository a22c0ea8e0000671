"""Xero's JSON dates: `/Date(1552262400000+0000)/` out; both that and ISO accepted in."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_MS = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


class BadDateError(ValueError):
    pass


def ms_date(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    else:
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return f"/Date({int(moment.timestamp() * 1000)}+0000)/"


def parse_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    match = _MS.match(text)
    try:
        if match:
            return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC).date()
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date() if "T" in text else date.fromisoformat(text)
    except (ValueError, OverflowError, OSError) as exc:
        raise BadDateError(f"'{value}' is not a valid date") from exc


def parse_http_date(value: str) -> datetime | None:
    """If-Modified-Since in both forms clients send: ISO 8601 (`2026-12-04T17:16:45Z`, what Xero's
    OpenAPI description types as `date-time` and BMS sends) and the HTTP-date form
    (`Fri, 04 Dec 2026 17:16:45 GMT`, which other clients send and Xero accepts)."""
    from email.utils import parsedate_to_datetime

    if not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
