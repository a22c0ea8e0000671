"""Xero's limits and the faults the sandbox can inject."""

import concurrent.futures

import httpx2

from xero_sandbox.tests.conftest import Api


def test_it_answers_429_with_retry_after_once_the_minute_is_spent(sandbox, au):
    sandbox.configure(minute_limit=3)
    statuses = [au.get("Organisation").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = au.get("Organisation")
    assert refused.headers["X-Rate-Limit-Problem"] == "minute" and int(refused.headers["Retry-After"]) >= 1
    sandbox.advance_clock(61)
    assert au.get("Organisation").status_code == 200


def test_it_answers_a_day_limit_429_with_a_long_retry_after(sandbox, au):
    sandbox.configure(day_limit=2)
    au.get("Organisation")
    au.get("Organisation")
    refused = au.get("Organisation")
    assert refused.headers["X-Rate-Limit-Problem"] == "day" and int(refused.headers["Retry-After"]) > 60


def test_it_allows_five_concurrent_calls_per_tenant(sandbox, au):
    sandbox.set_faults(au.tenant, latency_ms=300)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(lambda _: au.get("Organisation").status_code, range(8)))
    assert statuses.count(200) == 5 and statuses.count(429) == 3


def test_it_goes_offline_and_storms_on_request(sandbox, au):
    sandbox.set_faults(au.tenant, offline=True)
    offline = au.get("Organisation")
    assert offline.status_code == 503 and offline.text == "The Organisation is offline"
    sandbox.set_faults(au.tenant, offline=False, storm_429=2)
    assert [au.get("Organisation").status_code for _ in range(3)] == [429, 429, 200]


def test_it_drops_the_answer_after_committing_the_write(sandbox, au):
    sandbox.set_faults(au.tenant, drop_rate=1.0)
    try:
        au.write("PUT", "Contacts", {"Contacts": [{"Name": "Landed Anyway"}]})
        raised = False
    except httpx2.HTTPError:
        raised = True
    assert raised
    sandbox.clear_faults(au.tenant)
    assert len(au.get("Contacts", where='Name=="Landed Anyway"').json()["Contacts"]) == 1


def test_it_logs_every_call_for_the_limit_proof(sandbox, au: Api):
    au.get("Organisation")
    au.get("Accounts")
    entries = sandbox.log(au.tenant)
    assert [e["path"] for e in entries][-2:] == ["/api.xro/2.0/Organisation", "/api.xro/2.0/Accounts"]
    assert all(e["status"] == 200 and e["at"] <= e["done"] for e in entries[-2:])
