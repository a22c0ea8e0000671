"""OAuth 2.0 and identity (xero-notes §1): consent, codes, PKCE, tokens, rotation with a grace
period, revocation and connections."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest

from xero_sandbox.testing import DEMO_REDIRECT_URI as REDIRECT

BASIC = {"Authorization": "Basic " + base64.b64encode(b"bms-demo:bms-demo-secret").decode()}
VERIFIER = "v" * 64


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _params(**extra) -> dict:
    return {"response_type": "code", "client_id": "bms-demo", "redirect_uri": REDIRECT,
            "scope": "offline_access openid profile email accounting.settings.read", "state": "s-123", **extra}


def _consent(sandbox, tenants=None, **extra) -> dict:
    """A person ticks organisations and allows access; returns the callback's query."""
    params = _params(**extra)
    page = httpx.get(f"{sandbox.base_url}/identity/connect/authorize", params=params)
    assert page.status_code == 200 and "wants access to your Xero organisations" in page.text
    form = {**params, "decision": "allow", "tenant": tenants or list(sandbox.sandbox.store.orgs)}
    answer = httpx.post(f"{sandbox.base_url}/identity/connect/authorize", data=form)
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT)
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


def _token(sandbox, headers=None, **form) -> httpx.Response:
    return httpx.post(f"{sandbox.base_url}/identity/connect/token", data=form,
                      headers=BASIC if headers is None else headers)


def _exchange(sandbox, code, **extra) -> httpx.Response:
    return _token(sandbox, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, **extra)


def _refresh(sandbox, refresh_token) -> httpx.Response:
    return _token(sandbox, grant_type="refresh_token", refresh_token=refresh_token)


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_it_shows_a_consent_page_listing_every_organisation_with_checkboxes(sandbox):
    page = httpx.get(f"{sandbox.base_url}/identity/connect/authorize", params=_params())
    assert page.headers["content-type"].startswith("text/html")
    for org in sandbox.sandbox.store.orgs.values():
        assert f'name="tenant" value="{org["tenant_id"]}" checked' in page.text
        assert org["name"] in page.text
    assert "Allow access" in page.text and "accounting.settings.read" in page.text


def test_it_sends_the_code_and_state_back_and_connects_only_the_ticked_organisation(sandbox):
    nz = sandbox.tenant_id("NZ")
    back = _consent(sandbox, tenants=[nz])
    assert back["state"] == "s-123" and back["code"]
    tokens = _exchange(sandbox, back["code"]).json()
    connections = httpx.get(f"{sandbox.base_url}/connections",
                            headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert [c["tenantId"] for c in connections] == [nz]


def test_it_asks_again_when_no_organisation_is_ticked(sandbox):
    answer = httpx.post(f"{sandbox.base_url}/identity/connect/authorize", data={**_params(), "decision": "allow"})
    assert answer.status_code == 400 and "Choose at least one organisation" in answer.text


def test_it_sends_the_user_back_with_access_denied_on_cancel(sandbox):
    answer = httpx.post(f"{sandbox.base_url}/identity/connect/authorize", data={**_params(), "decision": "deny"})
    assert answer.status_code == 303
    assert parse_qs(urlparse(answer.headers["location"]).query) == {"error": ["access_denied"], "state": ["s-123"]}


def test_it_grants_at_once_in_auto_consent_mode(make_sandbox):
    sandbox = make_sandbox(auto_consent=True)
    answer = httpx.get(f"{sandbox.base_url}/identity/connect/authorize", params=_params())
    assert answer.status_code == 303 and "code=" in answer.headers["location"]


def test_it_never_redirects_to_an_unregistered_uri_or_for_an_unknown_client(sandbox):
    evil = httpx.get(f"{sandbox.base_url}/identity/connect/authorize",
                     params=_params(redirect_uri="https://evil.example/cb"))
    unknown = httpx.get(f"{sandbox.base_url}/identity/connect/authorize", params=_params(client_id="nobody"))
    assert evil.status_code == unknown.status_code == 400
    assert "location" not in evil.headers


def test_it_refuses_a_response_type_other_than_code_and_a_plain_pkce_challenge(sandbox):
    implicit = httpx.get(f"{sandbox.base_url}/identity/connect/authorize", params=_params(response_type="token"))
    assert "error=unsupported_response_type" in implicit.headers["location"]
    plain = httpx.get(f"{sandbox.base_url}/identity/connect/authorize",
                      params=_params(code_challenge=VERIFIER, code_challenge_method="plain"))
    assert "error=invalid_request" in plain.headers["location"]


def test_it_exchanges_a_code_once_for_jwt_tokens_carrying_the_user_and_the_auth_event(sandbox):
    code = _consent(sandbox)["code"]
    answer = _exchange(sandbox, code)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800 and body["refresh_token"]
    assert "accounting.settings.read" in body["scope"].split()
    claims = _claims(body["access_token"])
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "RS256"
    assert claims["iss"] == "https://identity.xero.com" and claims["aud"] == "https://identity.xero.com/resources"
    assert claims["xero_userid"] and claims["authentication_event_id"] and claims["client_id"] == "bms-demo"
    assert claims["exp"] - claims["iat"] == 1800 and "offline_access" in claims["scope"]
    replay = _exchange(sandbox, code)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_it_returns_an_id_token_with_name_and_email_when_openid_profile_email_are_asked(sandbox):
    identity = _claims(_exchange(sandbox, _consent(sandbox)["code"]).json()["id_token"])
    assert (identity["given_name"], identity["family_name"], identity["email"]) == (
        "Dana", "Demo", "dana.demo@example.com")
    assert identity["aud"] == "bms-demo" and identity["exp"] - identity["iat"] == 300
    without = _exchange(sandbox, _consent(sandbox, scope="offline_access accounting.settings")["code"]).json()
    assert "id_token" not in without


def test_it_gives_no_refresh_token_without_offline_access(sandbox):
    body = _exchange(sandbox, _consent(sandbox, scope="openid accounting.settings")["code"]).json()
    assert "refresh_token" not in body and body["access_token"]


def test_it_signs_tokens_with_the_key_it_publishes(sandbox):
    tokens = sandbox.mint_grant()
    jwks = httpx.get(f"{sandbox.base_url}/.well-known/openid-configuration/jwks").json()
    key = jwt.PyJWK(jwks["keys"][0]).key
    claims = jwt.decode(tokens["access_token"], key, algorithms=["RS256"], audience="https://identity.xero.com/resources")
    assert claims["xero_userid"]
    discovery = httpx.get(f"{sandbox.base_url}/.well-known/openid-configuration").json()
    assert discovery["token_endpoint"].endswith("/identity/connect/token")


def test_it_expires_codes_after_five_minutes_and_binds_them_to_the_redirect_uri(sandbox):
    wrong_uri = _token(sandbox, grant_type="authorization_code", code=_consent(sandbox)["code"],
                       redirect_uri="http://localhost:8000/xero/callback/")
    assert wrong_uri.json()["error"] == "invalid_grant"
    late = _consent(sandbox)["code"]
    sandbox.advance_clock(301)
    assert _exchange(sandbox, late).json()["error"] == "invalid_grant"


def test_it_checks_the_pkce_verifier_when_the_request_carried_a_challenge(sandbox):
    with_pkce = {"code_challenge": _challenge(VERIFIER), "code_challenge_method": "S256"}
    assert _exchange(sandbox, _consent(sandbox, **with_pkce)["code"], code_verifier="w" * 64).json()["error"] \
        == "invalid_grant"
    assert _exchange(sandbox, _consent(sandbox, **with_pkce)["code"]).json()["error"] == "invalid_grant"
    assert _exchange(sandbox, _consent(sandbox, **with_pkce)["code"], code_verifier=VERIFIER).status_code == 200


def test_it_lets_a_public_pkce_client_in_without_a_secret(sandbox):
    sandbox.control("POST", "clients", client_id="desktop", name="Desktop", redirect_uris=[REDIRECT])
    no_pkce = httpx.get(f"{sandbox.base_url}/identity/connect/authorize", params=_params(client_id="desktop"))
    assert "error=invalid_request" in no_pkce.headers["location"]
    code = _consent(sandbox, client_id="desktop", code_challenge=_challenge(VERIFIER),
                    code_challenge_method="S256")["code"]
    answer = _token(sandbox, headers={}, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                    client_id="desktop", code_verifier=VERIFIER)
    assert answer.status_code == 200
    refreshed = _token(sandbox, headers={}, grant_type="refresh_token", client_id="desktop",
                       refresh_token=answer.json()["refresh_token"])
    assert refreshed.status_code == 200


def test_it_takes_the_client_secret_in_the_form_as_xero_python_sends_it(sandbox):
    tokens = sandbox.mint_grant()
    answer = _token(sandbox, headers={}, grant_type="refresh_token", refresh_token=tokens["refresh_token"],
                    client_id="bms-demo", client_secret="bms-demo-secret")
    assert answer.status_code == 200


@pytest.mark.parametrize("headers", [
    {"Authorization": "Basic " + base64.b64encode(b"bms-demo:wrong").decode()},
    {"Authorization": "Basic not-base64!"},
    {},
])
def test_it_refuses_a_client_that_cannot_authenticate(sandbox, headers):
    answer = _token(sandbox, headers=headers, grant_type="refresh_token", refresh_token="x", client_id="bms-demo")
    assert answer.status_code == 401 and answer.json() == {"error": "invalid_client"}


def test_it_refuses_unknown_grant_types(sandbox):
    assert _token(sandbox, grant_type="client_credentials").json()["error"] == "unsupported_grant_type"
    assert _token(sandbox).json()["error"] == "invalid_request"


def test_it_rotates_refresh_tokens_and_honours_the_previous_one_for_the_grace_period(sandbox):
    first = sandbox.mint_grant()
    second = _refresh(sandbox, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    # The answer to that refresh was "lost": the old token still works for 30 minutes…
    sandbox.advance_clock(1790)
    assert _refresh(sandbox, first["refresh_token"]).status_code == 200
    sandbox.advance_clock(11)
    # …and not after.
    late = _refresh(sandbox, first["refresh_token"])
    assert late.status_code == 400 and late.json() == {"error": "invalid_grant"}


def test_it_keeps_the_grace_period_configurable(make_sandbox):
    sandbox = make_sandbox(refresh_grace_s=5)
    first = sandbox.mint_grant()
    _refresh(sandbox, first["refresh_token"])
    sandbox.advance_clock(6)
    assert _refresh(sandbox, first["refresh_token"]).json()["error"] == "invalid_grant"


def test_it_expires_a_refresh_token_unused_for_sixty_days(sandbox):
    tokens = sandbox.mint_grant()
    sandbox.advance_clock(60 * 86_400 + 1)
    assert _refresh(sandbox, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_it_keeps_a_refresh_token_alive_that_is_used_within_sixty_days(sandbox):
    tokens = sandbox.mint_grant()
    for _ in range(3):
        sandbox.advance_clock(50 * 86_400)
        answer = _refresh(sandbox, tokens["refresh_token"])
        assert answer.status_code == 200
        tokens = answer.json()


def test_it_expires_access_tokens_after_thirty_minutes(au, sandbox):
    sandbox.advance_clock(1801)
    expired = au.get("Organisation")
    assert expired.status_code == 401 and expired.json()["Detail"] == "TokenExpired"


def test_it_expires_tokens_early_on_request(au, sandbox):
    grant_id = au.tokens["grant_id"]
    sandbox.expire_tokens(grant_id)
    assert au.get("Organisation").json()["Detail"] == "TokenExpired"
    fresh = _refresh(sandbox, au.tokens["refresh_token"]).json()
    au.tokens = fresh
    assert au.get("Organisation").status_code == 200
    sandbox.expire_tokens(grant_id, refresh=True)
    assert _refresh(sandbox, fresh["refresh_token"]).json()["error"] == "invalid_grant"


def test_it_lists_connections_by_auth_event_under_both_spellings(sandbox):
    first = sandbox.mint_grant(tenant_ids=[sandbox.tenant_id("AU")])
    second = sandbox.mint_grant(tenant_ids=[sandbox.tenant_id("NZ")])  # a second consent by the same user
    bearer = {"Authorization": f"Bearer {second['access_token']}"}
    everything = httpx.get(f"{sandbox.base_url}/connections", headers=bearer).json()
    assert {c["tenantId"] for c in everything} == {sandbox.tenant_id("AU"), sandbox.tenant_id("NZ")}
    event = _claims(second["access_token"])["authentication_event_id"]
    assert event != _claims(first["access_token"])["authentication_event_id"]
    latest = httpx.get(f"{sandbox.base_url}/Connections", params={"authEventId": event}, headers=bearer).json()
    assert [c["tenantId"] for c in latest] == [sandbox.tenant_id("NZ")]
    assert latest[0]["tenantType"] == "ORGANISATION" and latest[0]["tenantName"] == "Acme Distribution (Xero NZ)"


def test_it_disconnects_one_tenant_and_leaves_the_tokens_valid(au, nz, sandbox):
    bearer = {"Authorization": f"Bearer {au.tokens['access_token']}"}
    connection = next(c for c in httpx.get(f"{sandbox.base_url}/connections", headers=bearer).json()
                      if c["tenantId"] == au.tenant)
    assert httpx.delete(f"{sandbox.base_url}/connections/{connection['id']}", headers=bearer).status_code == 204
    gone = au.get("Organisation")
    assert gone.status_code == 403 and gone.json()["Detail"] == "AuthenticationUnsuccessful"
    assert nz.get("Organisation").status_code == 200
    again = httpx.delete(f"{sandbox.base_url}/Connections/{connection['id']}", headers=bearer)
    assert again.status_code == 404


def test_it_revokes_the_whole_grant_and_every_connection(au, sandbox):
    answer = httpx.post(f"{sandbox.base_url}/identity/connect/revocation", data={"token": au.tokens["refresh_token"]},
                        headers=BASIC)
    assert answer.status_code == 200 and answer.content == b""
    assert au.get("Organisation").status_code == 401
    assert httpx.get(f"{sandbox.base_url}/connections",
                     headers={"Authorization": f"Bearer {au.tokens['access_token']}"}).status_code == 401
    assert _refresh(sandbox, au.tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert [c for c in sandbox.state()["connections"] if c["grant_id"] == au.tokens["grant_id"]] == []


def test_it_revokes_a_grant_from_the_control_api(au, sandbox):
    sandbox.revoke_grant(au.tokens["grant_id"])
    assert au.get("Organisation").status_code == 401
    assert _refresh(sandbox, au.tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_it_adds_scopes_across_re_authorisations(sandbox):
    sandbox.mint_grant(scope="offline_access accounting.contacts")
    later = sandbox.mint_grant(scope="offline_access accounting.settings.read")
    assert set(later["scope"].split()) == {"offline_access", "accounting.contacts", "accounting.settings.read"}


def test_it_rotates_the_refresh_token_even_when_the_answer_is_lost(sandbox):
    tokens = sandbox.mint_grant()
    sandbox.set_identity_faults(drop_rate=1)
    with pytest.raises(httpx.HTTPError):
        _refresh(sandbox, tokens["refresh_token"])
    sandbox.control("DELETE", "identity/faults")
    issued = [t for t in sandbox.sandbox.store.refresh_tokens.values() if t["grant_id"] == tokens["grant_id"]]
    assert len(issued) == 2  # the refresh happened
    assert _refresh(sandbox, tokens["refresh_token"]).status_code == 200  # the grace period saves the client
    assert [e["problem"] for e in sandbox.identity_log()][:1] == ["dropped"]


def test_it_answers_500_from_the_token_endpoint_on_request(sandbox):
    tokens = sandbox.mint_grant()
    sandbox.set_identity_faults(error_500_rate=1)
    assert _refresh(sandbox, tokens["refresh_token"]).status_code == 500
