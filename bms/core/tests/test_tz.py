from datetime import UTC, date, datetime, time, timedelta

import pytest

from bms.core.tz import day_bounds_utc, is_valid_time_zone, local_time_utc, next_local_time_utc, trading_day

SYDNEY, AUCKLAND = "Australia/Sydney", "Pacific/Auckland"


def test_it_makes_the_spring_forward_day_23_hours_and_the_fall_back_day_25():
    start, end = day_bounds_utc(date(2026, 10, 4), SYDNEY)  # clocks go 02:00 → 03:00
    assert (start, end) == (datetime(2026, 10, 3, 14, tzinfo=UTC), datetime(2026, 10, 4, 13, tzinfo=UTC))
    assert (end - start).total_seconds() == 23 * 3600
    start, end = day_bounds_utc(date(2026, 4, 5), SYDNEY)  # clocks go 03:00 → 02:00
    assert (end - start).total_seconds() == 25 * 3600


def test_it_puts_an_instant_on_the_local_trading_day_either_side_of_midnight():
    # 23:30 and 00:30 Sydney time on either side of midnight 4/5 May 2026 (UTC+10).
    assert trading_day(datetime(2026, 5, 4, 13, 30, tzinfo=UTC), SYDNEY) == date(2026, 5, 4)
    assert trading_day(datetime(2026, 5, 4, 14, 30, tzinfo=UTC), SYDNEY) == date(2026, 5, 5)
    # The same instants in Auckland (UTC+12) are both on the 5th.
    assert trading_day(datetime(2026, 5, 4, 13, 30, tzinfo=UTC), AUCKLAND) == date(2026, 5, 5)


def test_it_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        trading_day(datetime(2026, 5, 4, 13, 30), SYDNEY)  # noqa: DTZ001 (naive on purpose)


def test_it_moves_a_wall_time_skipped_by_dst_to_just_after_the_gap():
    # 02:30 does not exist in Sydney on 4 October 2026: the run happens at 03:30 AEDT (16:30 UTC).
    assert local_time_utc(date(2026, 10, 4), time(2, 30), SYDNEY) == datetime(2026, 10, 3, 16, 30, tzinfo=UTC)


def test_it_finds_the_next_local_run_time_strictly_after_now():
    now = datetime(2026, 5, 4, 15, 0, tzinfo=UTC)  # 01:00 on 5 May in Sydney, exactly
    assert next_local_time_utc(now, time(1, 0), SYDNEY) == datetime(2026, 5, 5, 15, 0, tzinfo=UTC)


def test_it_knows_real_time_zones_only():
    assert is_valid_time_zone(SYDNEY) and not is_valid_time_zone("Australia/Atlantis")


@pytest.mark.parametrize(("day", "last_utc", "next_utc"), [
    # 4 October 2026, clocks spring forward: 23:30 AEDT (UTC+11) is 12:30 UTC, next 00:30 is 13:30 UTC.
    (date(2026, 10, 4), datetime(2026, 10, 4, 12, 30, tzinfo=UTC), datetime(2026, 10, 4, 13, 30, tzinfo=UTC)),
    # 5 April 2026, clocks fall back: 23:30 AEST (UTC+10) is 13:30 UTC, next 00:30 is 14:30 UTC.
    (date(2026, 4, 5), datetime(2026, 4, 5, 13, 30, tzinfo=UTC), datetime(2026, 4, 5, 14, 30, tzinfo=UTC)),
])
def test_it_splits_23_30_and_00_30_local_at_midnight_on_a_dst_change_day(day, last_utc, next_utc):
    start, end = day_bounds_utc(day, SYDNEY)
    assert start <= last_utc < end <= next_utc
    assert trading_day(last_utc, SYDNEY) == day
    assert trading_day(next_utc, SYDNEY) == date(day.year, day.month, day.day + 1)
    assert trading_day(start, SYDNEY) == day and trading_day(end - timedelta(microseconds=1), SYDNEY) == day
