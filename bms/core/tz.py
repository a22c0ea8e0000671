"""Time: stored in UTC; trading days and schedules in an entity's own time zone."""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


@lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def is_valid_time_zone(name: str) -> bool:
    return name in time_zone_names()


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def trading_day(at: datetime, tz_name: str) -> date:
    """The calendar date in the zone at the instant `at` (which must be aware)."""
    if at.tzinfo is None:
        raise ValueError("trading_day needs an aware datetime")
    return at.astimezone(zone(tz_name)).date()


def local_midnight_utc(day: date, tz_name: str) -> datetime:
    # Midnight exists in every zone we know of on DST days (changes happen at 02:00/03:00),
    # but going through UTC keeps this correct even where it would not.
    return datetime.combine(day, time.min, tzinfo=zone(tz_name)).astimezone(UTC)


def day_bounds_utc(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """[start, end) of the trading day in UTC: 23, 24 or 25 hours long around DST changes."""
    return local_midnight_utc(day, tz_name), local_midnight_utc(day + timedelta(days=1), tz_name)


def local_time_utc(day: date, at: time, tz_name: str) -> datetime:
    """The UTC instant of local wall time `at` on `day`.

    A wall time skipped by DST (02:30 when clocks jump from 02:00 to 03:00) is read with the offset
    from before the jump (fold=0, PEP 495), which lands it just after the gap, at 03:30. A repeated
    wall time (clocks going back) means its first occurrence."""
    return datetime.combine(day, at, tzinfo=zone(tz_name)).astimezone(UTC)


def next_local_time_utc(after: datetime, at: time, tz_name: str) -> datetime:
    """The first instant strictly after `after` whose local wall time is `at`."""
    day = trading_day(after, tz_name)
    for offset in range(3):
        candidate = local_time_utc(day + timedelta(days=offset), at, tz_name)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: a wall time recurs within two days")


def zone_label(local: datetime) -> str:
    """How a time names its zone: the abbreviation people read ("AEDT", "NZST", "UTC") where the zone
    has one, else the zone's name in brackets ("(Asia/Dubai)": tzdata abbreviates it only as "+04")."""
    abbreviation = local.tzname() or ""
    if abbreviation.isalpha():
        return abbreviation
    return f"({getattr(local.tzinfo, 'key', None) or abbreviation or 'UTC'})"


def local_text(at: datetime, tz_name: str, *, time_only: bool = False) -> str:
    """An instant as a person in `tz_name` reads it, zone named: "5 Dec 2026 14:03 AEDT" (or, for a
    log of one day, "14:03:07 AEDT")."""
    if at.tzinfo is None:
        raise ValueError("local_text needs an aware datetime")
    local = at.astimezone(zone(tz_name))
    if time_only:
        return f"{local:%H:%M:%S} {zone_label(local)}"
    return f"{local.day} {local:%b %Y %H:%M} {zone_label(local)}"
