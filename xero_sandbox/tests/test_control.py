"""The control API under /_sandbox/ and the sandbox's pages."""

from __future__ import annotations

import httpx
import pytest


def test_it_lists_its_control_endpoints(sandbox):
    endpoints = httpx.get(f"{sandbox.base_url}/_sandbox/").json()["endpoints"]
    assert any("/_sandbox/grants" in line for line in endpoints) and len(endpoints) > 10


def test_it_dumps_the_full_state(sandbox, au):
    state = sandbox.state()
    assert set(state["orgs"]) == {sandbox.tenant_id("AU"), sandbox.tenant_id("NZ")}
    au_state = state["orgs"][au.tenant]
    assert {"contacts", "invoices", "payments", "journals", "accounts", "tax_rates"} <= set(au_state)
    assert state["grants"][0]["grant_id"] == au.tokens["grant_id"]
    assert all("client_secret" not in client for client in state["clients"])


def test_it_registers_clients_and_refuses_bad_ones(sandbox):
    sandbox.control("POST", "clients", client_id="other", client_secret="s", redirect_uris=["https://x.example/cb"])
    assert {c["client_id"] for c in sandbox.control("GET", "clients")} >= {"bms-demo", "other"}
    demo = next(c for c in sandbox.control("GET", "clients") if c["client_id"] == "bms-demo")
    assert demo["redirect_uris"] == ["http://127.0.0.1:8000/xero/callback/", "http://localhost:8000/xero/callback/"]
    for bad in ({}, {"client_id": "x", "redirect_uris": ["not a url"]}, {"client_id": "x", "client_secret": 5}):
        assert httpx.post(f"{sandbox.base_url}/_sandbox/clients", json=bad).status_code == 400


def test_it_mints_grants_for_chosen_tenants_and_scopes(sandbox):
    nz = sandbox.tenant_id("NZ")
    tokens = sandbox.mint_grant(tenant_ids=[nz], scope="offline_access accounting.contacts")
    assert tokens["scope"] == "offline_access accounting.contacts" and "id_token" not in tokens
    assert [c["tenant_id"] for c in sandbox.state()["connections"]] == [nz]
    for bad in ({"client_id": "nobody"}, {"tenant_ids": ["nope"]}, {"scope": 5}):
        assert httpx.post(f"{sandbox.base_url}/_sandbox/grants", json=bad).status_code == 400


def test_it_changes_settings_live_and_refuses_unknown_ones(sandbox):
    assert sandbox.configure(minute_limit=7)["minute_limit"] == 7
    assert sandbox.configure(minute_s=1.5)["minute_s"] == 1.5  # a JSON decimal, as a time-scaled test sends it
    for bad in ({"nope": 1}, {"minute_limit": "many"}, {"limits_enabled": "yes"}, {"day_s": -1}):
        answer = httpx.post(f"{sandbox.base_url}/_sandbox/config", json=bad)
        assert answer.status_code == 400 and answer.json()["error"]
    assert httpx.post(f"{sandbox.base_url}/_sandbox/config", content=b"{oops").status_code == 400


def test_it_advances_its_clock(sandbox):
    before = sandbox.control("GET", "clock")["time"]
    after = sandbox.advance_clock(3600)["time"]
    assert 3600 <= after - before < 3660
    assert httpx.post(f"{sandbox.base_url}/_sandbox/clock/advance", json={"seconds": -5}).status_code == 400


def test_it_sets_and_clears_a_lock_date(sandbox, au):
    sandbox.set_lock_date(au.tenant, "2026-04-30")
    assert au.get("Organisation").json()["Organisations"][0]["PeriodLockDate"] == "/Date(1777507200000+0000)/"
    sandbox.set_lock_date(au.tenant, None)
    assert "PeriodLockDate" not in au.get("Organisation").json()["Organisations"][0]
    assert httpx.post(f"{sandbox.base_url}/_sandbox/tenants/{au.tenant}/lock-date",
                      json={"date": "30/04/2026"}).status_code == 400


def test_it_archives_an_account_as_a_user_would_in_xero(sandbox, au):
    sandbox.control("POST", f"tenants/{au.tenant}/accounts/41120", Status="ARCHIVED")
    [account] = au.get("Accounts", where='Code=="41120"').json()["Accounts"]
    assert account["Status"] == "ARCHIVED"
    assert httpx.post(f"{sandbox.base_url}/_sandbox/tenants/{au.tenant}/accounts/41120",
                      json={"Status": "GONE"}).status_code == 400


@pytest.mark.parametrize("path", ["tenants/nope/faults", "tenants/nope/lock-date", "tenants/nope/payments",
                                  "tenants/nope/accounts/1", "grants/nope/revoke", "grants/nope/expire-tokens"])
def test_it_answers_404_for_unknown_tenants_and_grants(sandbox, path):
    assert httpx.post(f"{sandbox.base_url}/_sandbox/{path}", json={}).status_code == 404


def test_the_home_page_shows_what_arrived_in_xero(sandbox, au):
    contact = au.one(au.put("Contacts", {"Contacts": [{"Name": "Shown <b>Safely</b>"}]}), "Contacts")
    au.put("Invoices", {"Invoices": [{"Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]},
                                      "InvoiceNumber": "HOME-1", "Date": "2026-04-23", "DueDate": "2026-05-23",
                                      "Status": "AUTHORISED", "LineItems": [{"Description": "x", "Quantity": 1,
                                                                              "UnitAmount": 10,
                                                                              "AccountCode": "41110"}]}]})
    page = httpx.get(sandbox.base_url + "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for text in ("Acme Distribution (Xero AU)", "Acme Distribution (Xero NZ)", "HOME-1", "Invoices (1)",
                 "Payments (0)", "Manual journals (0)", "lock date 31/03/2026", "Shown &lt;b&gt;Safely&lt;/b&gt;"):
        assert text in page.text


def test_it_adds_organisations_like_a_seeded_one_with_tenant_ids_fixed_by_their_key(sandbox):
    tenant = sandbox.add_tenant("scale-1", name="Scale One")
    again = httpx.post(f"{sandbox.base_url}/_sandbox/tenants", json={"key": "scale-1"})
    assert again.status_code == 409
    org = sandbox.state()["orgs"][tenant]
    au = sandbox.state()["orgs"][sandbox.tenant_id("AU")]
    assert org["name"] == "Scale One" and org["country_code"] == "AU" and org["contacts"] == []
    assert {a["Code"] for a in org["accounts"]} == {a["Code"] for a in au["accounts"]}
    assert {a["AccountID"] for a in org["accounts"]}.isdisjoint({a["AccountID"] for a in au["accounts"]})
    grant = sandbox.mint_grant(tenant_ids=[tenant])
    answer = httpx.get(f"{sandbox.api_url}/Organisation", headers=sandbox.api_headers(grant, tenant))
    assert answer.status_code == 200 and answer.json()["Organisations"][0]["Name"] == "Scale One"
    for bad in ({}, {"key": " "}, {"key": "x", "country": "US"}):
        assert httpx.post(f"{sandbox.base_url}/_sandbox/tenants", json=bad).status_code == 400


def test_the_same_key_gives_the_same_tenant_id_in_a_fresh_sandbox(tmp_path):
    from xero_sandbox.testing import run_sandbox

    with run_sandbox() as first, run_sandbox() as second:
        assert first.add_tenant("k", country="NZ") == second.add_tenant("k", country="NZ")


def test_it_answers_each_kind_of_connection_refusal_as_xero_does(sandbox, au):
    """xero-notes §1.3, §1.6, §4; roles.py cites the role refusal's words."""
    contact = {"Contacts": [{"Name": "Role Test Pty Ltd"}]}
    # A Xero user whose role does not allow one kind of work: only that family's writes are refused.
    sandbox.deny_role(au.tenant, "contacts")
    refused = au.put("Contacts", contact, key="role-1")
    assert refused.status_code == 403
    assert refused.json()["Detail"] == "You are not permitted to access this resource"
    assert au.get("Contacts").status_code == 200 and au.get("Invoices").status_code == 200
    sandbox.deny_role(au.tenant, "manualjournals")  # replaces the rule: contacts are allowed again
    assert au.put("Contacts", contact, key="role-2").status_code == 200
    journal = au.put("ManualJournals", {"ManualJournals": [{"Narration": "x", "JournalLines": []}]}, key="role-3")
    assert journal.status_code == 403 and "reporting role" in journal.json()["Detail"]
    sandbox.deny_role(au.tenant)
    # A scope taken away: 401 with insufficient_scope, tokens already issued included.
    sandbox.remove_scopes(au.tokens["grant_id"], "accounting.contacts")
    missing = au.get("Contacts")
    assert missing.status_code == 401 and "insufficient_scope" in missing.headers["WWW-Authenticate"]
    assert au.get("Accounts").status_code == 200
    # The organisation disconnected in Xero: 403 AuthenticationUnsuccessful.
    sandbox.disconnect_tenant(au.tenant)
    gone = au.get("Accounts")
    assert gone.status_code == 403 and gone.json()["Detail"] == "AuthenticationUnsuccessful"
    # Bad requests to the control API are refused plainly.
    assert httpx.post(f"{sandbox.base_url}/_sandbox/tenants/{au.tenant}/roles", json={"deny": ["x"]}).status_code == 400
    assert httpx.post(f"{sandbox.base_url}/_sandbox/grants/{au.tokens['grant_id']}/scope", json={}).status_code == 400
