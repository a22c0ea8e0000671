"""Xero's two date forms: `/Date(1552262400000+0000)/` (JSON responses, xero-python requests)
and ISO `2019-03-11` / `2019-03-11T10:00:00` (Xero's examples)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def parse_xero_datetime(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value).strip()
    match = _MS_DATE.match(text)
    if match:
        # The milliseconds are UTC; the offset (when present) is only the zone it was shown in.
        moment = datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)
        offset = match.group(2)
        if offset:
            sign = 1 if offset[0] == "+" else -1
            delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])) * sign
            moment = moment.astimezone(timezone(delta))
        return moment
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_xero_date(value: object) -> date | None:
    moment = parse_xero_datetime(value)
    if moment is None:
        return None
    if isinstance(value, str) and _MS_DATE.match(value.strip()):
        # Xero encodes a calendar date as midnight UTC of that date.
        return moment.astimezone(UTC).date()
    return moment.date()


def format_xero_date(value: date) -> str:
    """Dates we send: ISO, which Xero documents and accepts."""
    return value.isoformat()


def format_if_modified_since(moment: datetime) -> str:
    """If-Modified-Since as Xero's OpenAPI description types it (`format: date-time`): UTC ISO 8601
    to the second with `Z`, e.g. `2026-12-04T17:16:45Z`. Xero's documentation gives the same form
    (xero-notes §7: UTC, second precision). The one place the client formats it; a naive datetime
    is refused, since its zone would be a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("If-Modified-Since needs an aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
