"""Xero's rate limits (xero-notes §2), configurable and time-scaled, with the log that proves a
client kept to them."""

from __future__ import annotations

import concurrent.futures

from xero_sandbox.tests.conftest import Api


def test_it_answers_429_with_retry_after_once_the_minute_is_spent(sandbox, au):
    sandbox.configure(minute_limit=3)
    answers = [au.get("Organisation") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-MinLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    refused = answers[-1]
    assert refused.headers["X-Rate-Limit-Problem"] == "minute" and 1 <= int(refused.headers["Retry-After"]) <= 60
    sandbox.advance_clock(int(refused.headers["Retry-After"]))
    assert au.get("Organisation").status_code == 200


def test_it_counts_each_tenant_on_its_own(sandbox, au, nz):
    sandbox.configure(minute_limit=1)
    assert au.get("Organisation").status_code == 200
    assert nz.get("Organisation").status_code == 200
    assert au.get("Organisation").status_code == 429


def test_it_answers_a_day_limit_429_with_a_long_retry_after(sandbox, au):
    sandbox.configure(day_limit=2)
    au.get("Organisation")
    au.get("Organisation")
    refused = au.get("Organisation")
    assert refused.headers["X-Rate-Limit-Problem"] == "day" and int(refused.headers["Retry-After"]) > 60
    assert refused.headers["X-DayLimit-Remaining"] == "0"


def test_it_limits_the_app_across_tenants(sandbox, au, nz):
    sandbox.configure(app_minute_limit=2)
    assert [au.get("Organisation").status_code, nz.get("Organisation").status_code] == [200, 200]
    refused = nz.get("Organisation")
    assert refused.status_code == 429 and refused.headers["X-Rate-Limit-Problem"] == "appminute"
    assert refused.headers["X-AppMinLimit-Remaining"] == "0" and "Retry-After" in refused.headers


def test_it_refuses_a_sixth_call_in_flight_with_a_429_without_retry_after(sandbox, au, nz):
    # Xero: 5 calls in progress per tenant and app (xero-notes §2, [P] LIMITS and FAQ-LIMITS); the
    # concurrency 429 reportedly carries no Retry-After ([S]). Five calls are held in flight by a latency
    # that ends only when the fault is cleared: nothing here depends on how fast the machine is.
    sandbox.set_faults(au.tenant, latency_ms=120_000)
    with concurrent.futures.ThreadPoolExecutor(5) as pool:
        held = [pool.submit(au.get, "Organisation") for _ in range(5)]
        sandbox.wait_in_flight(au.tenant, 5)
        refused = au.get("Organisation")
        other_tenant = nz.get("Organisation")  # another organisation has five of its own
        sandbox.clear_faults(au.tenant)
        answers = [future.result(timeout=60) for future in held]
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "concurrent" and "Retry-After" not in refused.headers
    assert [a.status_code for a in answers] == [200] * 5 and other_tenant.status_code == 200
    assert au.get("Organisation").status_code == 200  # the slots are free again
    peaks = sandbox.log_summary(au.tenant)["peaks"][au.tenant]
    assert peaks["max_in_flight"] == 5


def test_it_runs_time_scaled_for_benchmarks(make_sandbox):
    # A half-length "minute": long enough that three quick calls never straddle the tenant's window
    # reset (it falls at a moment of its own), even on a loaded machine.
    sandbox = make_sandbox(minute_s=30, minute_limit=2)
    au = Api(sandbox, sandbox.tenant_id("AU"), sandbox.mint_grant())
    assert [au.get("Organisation").status_code for _ in range(3)] == [200, 200, 429]
    sandbox.advance_clock(30)
    assert au.get("Organisation").status_code == 200


def test_it_logs_every_call_with_counts_and_the_peaks_that_prove_the_limits(sandbox, au, nz):
    sandbox.configure(minute_limit=2)
    for _ in range(3):
        au.get("Organisation")
    nz.get("Accounts")
    entries = sandbox.log()
    assert [(e["endpoint"], e["status"]) for e in entries[-4:]] == [
        ("GET /Organisation", 200), ("GET /Organisation", 200), ("GET /Organisation", 429), ("GET /Accounts", 200)]
    assert all(e["at"] <= e["done"] and e["client_id"] == "bms-demo" for e in entries)
    summary = sandbox.log_summary()
    assert summary["by_endpoint"]["GET /Organisation"] == 3 and summary["by_tenant"][au.tenant] == 3
    assert summary["by_tenant_endpoint"][nz.tenant] == {"GET /Accounts": 1}
    assert summary["rate_limited"] == {"minute": 1}
    assert summary["peaks"][au.tenant]["max_in_minute_window"] == 2
    assert [e["tenant"] for e in sandbox.log(nz.tenant)] == [nz.tenant]
    sandbox.clear_log()
    assert sandbox.log() == [] and au.get("Organisation").status_code == 200  # the counters restart too
