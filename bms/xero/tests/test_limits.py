"""The local limiter: per-tenant minute and day windows, app-wide minute, Retry-After parking.
A frozen clock stands in for waiting: nothing here sleeps."""

import multiprocessing

import pytest
import time_machine

from bms.xero.client.errors import RetryableError
from bms.xero.client.limits import LimitConfig, LocalLimiter


def _limiter(slots_dir=None, **overrides):
    # max_wait_s=0: a call over the limit raises at once instead of waiting.
    return LocalLimiter(LimitConfig(**{"max_wait_s": 0, **overrides}), slots_dir=slots_dir)


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
        clock.shift(60.1)  # Xero's minute has passed, but BMS counts a quarter second more (LimitConfig.margin_s)
        with pytest.raises(RetryableError):
            _call(limiter)
        clock.shift(0.2)
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


def test_a_call_waiting_for_a_slot_spends_nothing_of_the_minute():
    # Counted only once it has its slot: a call refused (or still waiting) for a slot must not use up
    # the window, or the window would re-open at the pace of the slots.
    with time_machine.travel(0, tick=False):
        limiter = _limiter(concurrent=1, per_minute=2)
        with limiter.slot("t1"):
            with pytest.raises(RetryableError) as refused:
                _call(limiter)
            assert refused.value.limit_problem == "concurrent"
        _call(limiter)  # the second of the minute: the refused one did not count
        with pytest.raises(RetryableError) as spent:
            _call(limiter)
        assert spent.value.limit_problem == "minute"


def test_two_workers_sharing_the_slots_folder_hold_the_concurrent_limit_together(tmp_path):
    # Two limiters, as in the web process and the worker: each alone would allow 5.
    web, worker = (_limiter(slots_dir=tmp_path) for _ in range(2))
    with web.slot("t1"), web.slot("t1"), web.slot("t1"), worker.slot("t1"), worker.slot("t1"):
        for limiter in (web, worker):
            with pytest.raises(RetryableError) as refused:
                _call(limiter)
            assert refused.value.limit_problem == "concurrent"
        _call(worker, "t2")  # another organisation has its own five
    _call(worker)


def _hold_slots(slots_dir, count, holding, release):
    limiter = _limiter(slots_dir=slots_dir)
    slots = [limiter.slot("t1") for _ in range(count)]
    for slot in slots:
        slot.__enter__()
    holding.set()
    release.wait(30)
    for slot in slots:
        slot.__exit__(None, None, None)


def test_another_process_holding_slots_counts_against_the_five(tmp_path):
    context = multiprocessing.get_context("fork")
    holding, release = context.Event(), context.Event()
    other = context.Process(target=_hold_slots, args=(tmp_path, 3, holding, release))
    other.start()
    try:
        assert holding.wait(30)
        limiter = _limiter(slots_dir=tmp_path)
        with limiter.slot("t1"), limiter.slot("t1"):
            with pytest.raises(RetryableError) as refused:
                _call(limiter)
            assert refused.value.limit_problem == "concurrent"
        release.set()
        other.join(30)
        # The other process ended: its slots are free again, five of them.
        with limiter.slot("t1"), limiter.slot("t1"), limiter.slot("t1"), limiter.slot("t1"):
            _call(limiter)
    finally:
        release.set()
        other.join(30)


def test_a_process_killed_holding_slots_leaves_them_free(tmp_path):
    context = multiprocessing.get_context("fork")
    holding, release = context.Event(), context.Event()
    other = context.Process(target=_hold_slots, args=(tmp_path, 5, holding, release))
    other.start()
    assert holding.wait(30)
    limiter = _limiter(slots_dir=tmp_path)
    with pytest.raises(RetryableError):
        _call(limiter)
    other.kill()
    other.join(30)
    _call(limiter)  # the kernel dropped the dead process's locks
