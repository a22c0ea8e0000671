"""Fault injection: latency, random 500/503, organisation offline, answers dropped after the
commit, 429 storms, per tenant or for the whole sandbox."""

from __future__ import annotations

import time

import httpx
import pytest


def test_it_goes_offline_with_xeros_plain_text_503(sandbox, au, nz):
    sandbox.set_faults(au.tenant, offline=True)
    offline = au.get("Organisation")
    assert offline.status_code == 503 and offline.text == "The Organisation is offline"
    assert offline.headers["content-type"].startswith("text/plain")
    assert nz.get("Organisation").status_code == 200


def test_it_storms_429s_then_recovers(sandbox, au):
    sandbox.set_faults(au.tenant, storm_429=2)
    answers = [au.get("Organisation") for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["X-Rate-Limit-Problem"] == "minute" and answers[0].headers["Retry-After"] == "1"


def test_it_drops_the_answer_after_committing_the_write(sandbox, au):
    sandbox.set_faults(au.tenant, drop_rate=1.0)
    with pytest.raises(httpx.HTTPError):
        au.put("Contacts", {"Contacts": [{"Name": "Landed Anyway"}]})
    sandbox.clear_faults(au.tenant)
    assert len(au.get("Contacts", where='Name=="Landed Anyway"').json()["Contacts"]) == 1
    assert sandbox.log(au.tenant)[-2]["problem"] == "dropped"


def test_a_dropped_answer_is_replayed_for_the_same_key(sandbox, au):
    sandbox.set_faults(au.tenant, drop_rate=1.0)
    body = {"Contacts": [{"Name": "Keyed Drop"}]}
    with pytest.raises(httpx.HTTPError):
        au.put("Contacts", body, key="drop-1")
    sandbox.clear_faults(au.tenant)
    retry = au.put("Contacts", body, key="drop-1")
    assert retry.status_code == 200 and retry.json()["Contacts"][0]["StatusAttributeString"] == "OK"
    assert len(au.get("Contacts", where='Name=="Keyed Drop"').json()["Contacts"]) == 1


def test_it_answers_random_500s_and_503s_repeatably_with_a_seed(sandbox, au):
    def statuses() -> list[int]:
        sandbox.configure(fault_seed=7)
        return [au.get("Organisation").status_code for _ in range(12)]

    sandbox.set_faults(au.tenant, error_500_rate=0.3, error_503_rate=0.3)
    first = statuses()
    assert {500, 503} & set(first) and 200 in first
    sandbox.clear_log()
    assert statuses() == first


def test_it_adds_latency(sandbox, au):
    sandbox.set_faults(au.tenant, latency_ms=150)
    started = time.monotonic()
    au.get("Organisation")
    assert time.monotonic() - started >= 0.15


def test_it_applies_sandbox_wide_faults_to_every_tenant(sandbox, au, nz):
    sandbox.set_faults(offline=True)
    assert au.get("Organisation").status_code == nz.get("Organisation").status_code == 503
    sandbox.clear_faults()
    assert au.get("Organisation").status_code == 200


def test_it_refuses_faults_it_does_not_know(sandbox, au):
    with pytest.raises(httpx.HTTPStatusError) as refused:
        sandbox.set_faults(au.tenant, gremlins=1)
    assert "unknown faults: gremlins" in refused.value.response.text
    with pytest.raises(httpx.HTTPStatusError):
        sandbox.set_faults(au.tenant, drop_rate=2)
