"""The local limiter: per-tenant minute and day windows, app-wide minute, Retry-After parking.
A frozen clock stands in for waiting: nothing here sleeps."""

import pytest
import time_machine

from bms.xero.client.errors import RetryableError
from bms.xero.client.limits import LimitConfig, LocalLimiter


def _limiter(**overrides):
    # max_wait_s=0: a call over the limit raises at once instead of waiting.
    return LocalLimiter(LimitConfig(**{"max_wait_s": 0, **overrides}))


def _call(limiter, tenant="t1"):
    with limiter.slot(tenant):
        pass


def test_it_allows_the_minute_limit_and_refuses_one_more_until_the_minute_passes():
    with time_machine.travel(0, tick=False) as clock:
        limiter = _limiter(per_minute=5)
        for _ in range(5):
            _call(limiter)
        with pytest.raises(RetryableError) as refused:
            _call(limiter)
        assert refused.value.limit_problem == "minute"
        clock.shift(60.5)  # Xero's minute has passed, but BMS counts one second more (LimitConfig.margin_s)
        with pytest.raises(RetryableError):
            _call(limiter)
        clock.shift(1)
        _call(limiter)


def test_it_counts_tenants_separately():
    with time_machine.travel(0, tick=False):
        limiter = _limiter(per_minute=2)
        _call(limiter, "a")
        _call(limiter, "a")
        _call(limiter, "b")
        _call(limiter, "b")
        with pytest.raises(RetryableError):
            _call(limiter, "a")


def test_it_enforces_the_daily_quota_across_minutes():
    with time_machine.travel(0, tick=False) as clock:
        limiter = _limiter(per_minute=60, per_day=3)
        for _ in range(3):
            _call(limiter)
            clock.shift(61)
        with pytest.raises(RetryableError):
            _call(limiter)


def test_it_enforces_the_app_wide_minute_across_tenants():
    with time_machine.travel(0, tick=False):
        limiter = _limiter(per_minute=60, app_per_minute=3)
        for tenant in ("a", "b", "c"):
            _call(limiter, tenant)
        with pytest.raises(RetryableError) as refused:
            _call(limiter, "d")
        assert refused.value.limit_problem == "appminute"


def test_it_parks_a_tenant_for_a_day_limit_retry_after_instead_of_holding_the_worker():
    clock = [1000.0]
    limiter = LocalLimiter(LimitConfig(max_wait_s=30), clock=lambda: clock[0])
    limiter.penalise("t1", retry_after_s=3600, problem="day")
    with pytest.raises(RetryableError) as parked:
        _call(limiter)
    assert parked.value.limit_problem == "day"
    assert 3599 <= parked.value.retry_after_s <= 3600
    _call(limiter, "t2")  # other tenants are not affected
    clock[0] += 3601
    _call(limiter)


def test_it_holds_at_most_the_concurrent_limit_in_flight():
    limiter = _limiter(concurrent=2)
    with limiter.slot("t1"), limiter.slot("t1"):
        with pytest.raises(RetryableError) as refused:
            _call(limiter)
        assert refused.value.limit_problem == "concurrent"
    _call(limiter)
