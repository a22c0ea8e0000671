"""The distributed limiter: several limiters (as in several worker processes) sharing one Redis
keep, together, to one tenant's concurrent and per-minute limits and to the app's minute limit.
Time-scaled (a "minute" of half a second); runs when BMS_TEST_REDIS_URL is set."""

import os
import threading
import time
import uuid

import pytest

from bms.xero.client.errors import RetryableError
from bms.xero.client.limits import LimitConfig
from bms.xero.client.redis_limits import RedisLimiter

REDIS_URL = os.environ.get("BMS_TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs Redis (BMS_TEST_REDIS_URL)")


def limiters(n, **config):
    prefix = f"test:{uuid.uuid4().hex}"  # parallel test runs share the Redis database
    made = [RedisLimiter(LimitConfig(**config), url=REDIS_URL, prefix=prefix, margin_s=0.02, poll_s=0.005)
            for _ in range(n)]
    return made


def hammer(limiters, tenant, calls_each, call_s=0.01):
    starts, in_flight, peak = [], [0], [0]
    lock = threading.Lock()

    def worker(limiter):
        for _ in range(calls_each):
            with limiter.slot(tenant) as granted:
                with lock:
                    # The grant's moment on the shared clock, not when this thread got to run again:
                    # on a loaded machine the latter lags, and would bunch starts that were apart.
                    starts.append(granted)
                    in_flight[0] += 1
                    peak[0] = max(peak[0], in_flight[0])
                time.sleep(call_s)  # the call itself
                with lock:
                    in_flight[0] -= 1

    threads = [threading.Thread(target=worker, args=(limiter,)) for limiter in limiters for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(starts), peak[0]


def max_in_window(starts, length):
    peak, first = 0, 0
    for last, moment in enumerate(starts):
        while moment - starts[first] >= length:
            first += 1
        peak = max(peak, last - first + 1)
    return peak


def test_limiters_sharing_redis_keep_together_to_one_tenants_concurrent_and_minute_limits():
    group = limiters(3, concurrent=2, per_minute=6, minute_s=0.5, max_wait_s=10)
    starts, peak = hammer(group, "tenant-a", calls_each=6, call_s=0.05)  # 9 threads, 54 calls
    assert len(starts) == 54
    assert peak <= 2
    assert max_in_window(starts, 0.5) <= 6
    assert starts[-1] - starts[0] >= (54 // 6 - 1) * 0.5  # the limit really bound


def test_the_app_minute_limit_is_shared_across_tenants():
    group = limiters(2, concurrent=5, per_minute=100, app_per_minute=4, minute_s=0.4, max_wait_s=10)
    starts = []
    for tenant in ("a", "b", "c"):
        for limiter in group:
            with limiter.slot(tenant) as granted:
                starts.append(granted)
    assert max_in_window(sorted(starts), 0.4) <= 4


def test_the_slot_of_a_worker_killed_mid_call_frees_itself_after_the_hold():
    [limiter] = limiters(1, concurrent=1, per_minute=100, minute_s=1, max_wait_s=5)
    limiter._hold_ms = 200
    held = limiter.slot("t")
    held.__enter__()  # never released: the process "died" holding it
    began = time.monotonic()
    with limiter.slot("t"):
        waited = time.monotonic() - began
    assert 0.1 < waited < 2


def test_a_penalty_one_worker_learnt_blocks_the_tenant_for_every_worker():
    first, second = limiters(2, max_wait_s=0.5)
    first.penalise("t", retry_after_s=30, problem="day")
    assert 29 < second.blocked_for("t") <= 30
    with pytest.raises(RetryableError) as refused, second.slot("t"):
        pass
    assert refused.value.limit_problem == "day"
    first.penalise("t", retry_after_s=1, problem="concurrent")  # never shortens a longer block
    assert second.blocked_for("t") > 29
    second.reset()
    assert first.blocked_for("t") == 0


def test_two_workers_hold_five_calls_in_flight_together_and_a_sixth_waits():
    web, worker = limiters(2, concurrent=5, per_minute=100, minute_s=60, max_wait_s=0)
    with web.slot("t"), web.slot("t"), web.slot("t"), worker.slot("t"), worker.slot("t"):
        for limiter in (web, worker):
            with pytest.raises(RetryableError) as refused, limiter.slot("t"):
                pass
            assert refused.value.limit_problem == "concurrent"
    with worker.slot("t"):
        pass


def test_a_call_refused_a_slot_spends_nothing_of_the_minute():
    first, second = limiters(2, concurrent=1, per_minute=2, minute_s=60, max_wait_s=0)
    with first.slot("t"), pytest.raises(RetryableError), second.slot("t"):
        pass
    with second.slot("t"):  # the second call of the minute: the refused one did not count
        pass
    with pytest.raises(RetryableError) as spent, first.slot("t"):
        pass
    assert spent.value.limit_problem == "minute"
