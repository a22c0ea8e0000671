"""OAuth: codes, PKCE, rotation with a grace period, revocation, connections."""

import base64
import hashlib
from urllib.parse import parse_qs, urlparse

import httpx2
import jwt
import pytest

REDIRECT = "http://127.0.0.1:8000/xero/callback/"
BASIC = "Basic " + base64.b64encode(b"bms-demo:bms-demo-secret").decode()


def _authorize(sandbox, *, verifier=None, tenants=None, scope="offline_access openid profile email"):
    params = {"response_type": "code", "client_id": "bms-demo", "redirect_uri": REDIRECT, "scope": scope,
              "state": "s-123"}
    if verifier:
        params["code_challenge"] = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        params["code_challenge_method"] = "S256"
    page = httpx2.get(f"{sandbox.base_url}/identity/connect/authorize", params=params)
    assert page.status_code == 200 and "wants access to your Xero organisations" in page.text
    form = {**params, "decision": "allow", "tenant": tenants or list(sandbox.sandbox.store.orgs)}
    answer = httpx2.post(f"{sandbox.base_url}/identity/connect/authorize", data=form)
    assert answer.status_code == 303
    query = parse_qs(urlparse(answer.headers["location"]).query)
    assert query["state"] == ["s-123"]
    return query["code"][0]


def _token(sandbox, **form):
    return httpx2.post(f"{sandbox.base_url}/identity/connect/token", data=form, headers={"Authorization": BASIC})


def test_it_exchanges_a_code_once_for_tokens_with_the_users_identity(sandbox):
    code = _authorize(sandbox)
    tokens = _token(sandbox, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert tokens.status_code == 200
    body = tokens.json()
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    identity = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert claims["xero_userid"] and claims["authentication_event_id"] and body["expires_in"] == 1800
    assert identity["email"] == "dana.demo@example.com" and identity["given_name"] == "Dana"
    replay = _token(sandbox, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_it_checks_pkce_and_the_codes_five_minutes(sandbox):
    code = _authorize(sandbox, verifier="v" * 50)
    wrong = _token(sandbox, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier="w" * 50)
    assert wrong.json()["error"] == "invalid_grant"
    late = _authorize(sandbox)
    sandbox.advance_clock(301)
    assert _token(sandbox, grant_type="authorization_code", code=late,
                  redirect_uri=REDIRECT).json()["error"] == "invalid_grant"


def test_it_rotates_refresh_tokens_and_honours_the_previous_one_for_the_grace_period(sandbox):
    first = sandbox.mint_grant()
    second = _token(sandbox, grant_type="refresh_token", refresh_token=first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    # The answer to that refresh was "lost": the old token still works for 30 minutes…
    again = _token(sandbox, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert again.status_code == 200
    sandbox.advance_clock(1801)
    # …and not after.
    late = _token(sandbox, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert late.json()["error"] == "invalid_grant"


def test_it_expires_a_refresh_token_unused_for_sixty_days(sandbox):
    tokens = sandbox.mint_grant()
    sandbox.advance_clock(60 * 86_400 + 1)
    assert _token(sandbox, grant_type="refresh_token",
                  refresh_token=tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_it_lists_connections_by_auth_event_and_revocation_removes_them_all(sandbox):
    tokens = sandbox.mint_grant()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    event = jwt.decode(tokens["access_token"], options={"verify_signature": False})["authentication_event_id"]
    listed = httpx2.get(f"{sandbox.base_url}/connections", params={"authEventId": event}, headers=bearer).json()
    assert {c["tenantName"] for c in listed} == {o["name"] for o in sandbox.sandbox.store.orgs.values()}
    assert httpx2.get(f"{sandbox.base_url}/Connections", headers=bearer).status_code == 200
    removed = httpx2.delete(f"{sandbox.base_url}/connections/{listed[0]['id']}", headers=bearer)
    assert removed.status_code == 204
    httpx2.post(f"{sandbox.base_url}/identity/connect/revocation", data={"token": tokens["refresh_token"]},
                headers={"Authorization": BASIC})
    assert httpx2.get(f"{sandbox.base_url}/connections", headers=bearer).status_code == 401
    assert _token(sandbox, grant_type="refresh_token",
                  refresh_token=tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_it_refuses_unknown_clients_and_redirects(sandbox):
    page = httpx2.get(f"{sandbox.base_url}/identity/connect/authorize",
                      params={"client_id": "bms-demo", "redirect_uri": "https://evil.example/cb", "state": "x"})
    assert page.status_code == 400
    wrong_secret = httpx2.post(f"{sandbox.base_url}/identity/connect/token",
                               data={"grant_type": "refresh_token", "refresh_token": "x"},
                               headers={"Authorization": "Basic " + base64.b64encode(b"bms-demo:nope").decode()})
    assert wrong_secret.status_code == 401


@pytest.mark.parametrize("decision", ["deny"])
def test_it_sends_the_user_back_with_access_denied(sandbox, decision):
    params = {"response_type": "code", "client_id": "bms-demo", "redirect_uri": REDIRECT, "scope": "openid",
              "state": "s", "decision": decision}
    answer = httpx2.post(f"{sandbox.base_url}/identity/connect/authorize", data=params)
    assert "error=access_denied" in answer.headers["location"]
