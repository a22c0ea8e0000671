"""Xero's 5 concurrent calls per organisation held by every BMS process together, against the
sandbox (which refuses a sixth with a 429, as Xero does: xero_sandbox/limits.py, xero-notes §2).

Two limiters stand for two processes (the web server and the worker, or two workers). Their calls
are held in flight by the sandbox's latency, which ends when the fault is cleared: the tests wait
for events, never for time to pass."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.limits import LimitConfig, LocalLimiter
from bms.xero.client.redis_limits import RedisLimiter

REDIS_URL = os.environ.get("BMS_TEST_REDIS_URL", "")


def _client(sandbox, tokens, limiter):
    return XeroAccountingClient(base_url=sandbox.api_url, xero_tenant_id=sandbox.tenant_id("AU"),
                                token_source=lambda: tokens["access_token"], limiter=limiter)


def _holds_five_together(sandbox, web, worker):
    tenant = sandbox.tenant_id("AU")
    tokens = sandbox.mint_grant()
    clients = [_client(sandbox, tokens, limiter) for limiter in (web, worker)]
    sandbox.set_faults(tenant, latency_ms=120_000)
    sixth_sent = threading.Event()

    def sixth():
        sixth_sent.set()
        return clients[1].get_organisations()

    with ThreadPoolExecutor(6) as pool:
        held = [pool.submit(clients[n % 2].get_organisations) for n in range(5)]
        sandbox.wait_in_flight(tenant, 5)
        late = pool.submit(sixth)
        assert sixth_sent.wait(30)
        # The sixth waits in BMS for a slot: Xero never sees it while five are in flight.
        in_flight = [e for e in sandbox.log(tenant) if e["done"] is None]
        assert len(in_flight) == 5 and len(sandbox.log(tenant)) == 5
        sandbox.clear_faults(tenant)
        answers = [future.result(timeout=60) for future in [*held, late]]
    assert all(answer for answer in answers)
    summary = sandbox.log_summary(tenant)
    assert summary["rate_limited"] == {}  # no 429: the limit was kept, not discovered
    assert summary["peaks"][tenant]["max_in_flight"] == 5


def test_two_processes_sharing_the_slots_folder_never_have_a_sixth_call_in_flight(sandbox, tmp_path):
    config = LimitConfig(max_wait_s=60)
    _holds_five_together(sandbox, LocalLimiter(config, slots_dir=tmp_path), LocalLimiter(config, slots_dir=tmp_path))


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis (BMS_TEST_REDIS_URL)")
def test_two_workers_sharing_redis_never_have_a_sixth_call_in_flight(sandbox, tmp_path):
    import uuid

    prefix = f"test:{uuid.uuid4().hex}"
    web, worker = (RedisLimiter(LimitConfig(max_wait_s=60), url=REDIS_URL, prefix=prefix, poll_s=0.01)
                   for _ in range(2))
    _holds_five_together(sandbox, web, worker)
