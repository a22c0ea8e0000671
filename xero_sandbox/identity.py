"""Xero's identity service as the sandbox plays it (xero-notes §1): clients, authorisation
codes, grants, tokens and connections.

- Codes are single use and live `code_s` (5 minutes); PKCE (S256) is checked when the
  authorisation request carried a challenge; a public (PKCE) client has no secret.
- Access tokens are RS256 JWTs living `access_token_s` (30 minutes) with Xero's claims,
  `xero_userid` and `authentication_event_id` among them; an id_token with the user's name and
  email comes back when `openid` (with `profile` / `email`) was asked for.
- A refresh token comes only with `offline_access`. Refresh tokens rotate on every use; the one
  just replaced keeps working for `refresh_grace_s` (30 minutes, for a lost answer), after which
  it is `invalid_grant`, as is a token unused for `refresh_idle_s` (60 days) or one of a revoked
  grant.
- Revocation removes every connection of the grant; DELETE /connections/{id} removes one and
  leaves the tokens valid.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from xero_sandbox.clock import Clock
from xero_sandbox.config import SandboxConfig
from xero_sandbox.store import Store

ISSUER = "https://identity.xero.com"
AUDIENCE = "https://identity.xero.com/resources"
KEY_ID = "xero-sandbox-1"


class OAuthError(Exception):
    """An OAuth error answer: `{"error": …}` with 400 (401 for client authentication)."""

    def __init__(self, error: str, description: str = "", status: int = 400):
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict:
        return {"error": self.error, **({"error_description": self.description} if self.description else {})}


@dataclass
class Signer:
    private_key: rsa.RSAPrivateKey

    @classmethod
    def load_or_create(cls, data_dir: Path | None) -> Signer:
        path = data_dir / "signing-key.pem" if data_dir else None
        if path is not None and path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if isinstance(key, rsa.RSAPrivateKey):
                return cls(key)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return cls(key)

    def sign(self, claims: dict) -> str:
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": KEY_ID})

    def verify(self, token: str) -> dict:
        # Expiry is checked against the sandbox clock by the caller, not the wall clock.
        return jwt.decode(token, self.private_key.public_key(), algorithms=["RS256"], audience=AUDIENCE,
                          options={"verify_exp": False, "verify_nbf": False, "verify_iat": False})

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class Identity:
    def __init__(self, store: Store, config: SandboxConfig, clock: Clock, signer: Signer):
        self.store, self.config, self.clock, self.signer = store, config, clock, signer

    # --- clients and authorisation codes ---------------------------------------------------------

    def check_client_redirect(self, client_id: str, redirect_uri: str) -> dict:
        """Before any redirect: an unknown client or an unregistered redirect URI is shown to the
        user, never redirected to (the URI may be an attacker's)."""
        client = self.store.clients.get(client_id)
        if client is None:
            raise OAuthError("unauthorized_client", "Unknown client_id")
        if redirect_uri not in client["redirect_uris"]:
            raise OAuthError("invalid_request", "The redirect_uri is not registered for this client")
        return client

    def issue_code(self, *, client_id: str, redirect_uri: str, scope: str, user_id: str, tenant_ids: list[str],
                   code_challenge: str | None = None) -> str:
        code = secrets.token_urlsafe(32)
        with self.store.lock:
            now = self.clock.time()
            # Spent and expired codes are of no further use; keep the table small.
            for old in [c for c, entry in self.store.codes.items() if entry["expires"] < now]:
                del self.store.codes[old]
            self.store.codes[code] = {
                "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope, "user_id": user_id,
                "tenant_ids": list(tenant_ids), "code_challenge": code_challenge,
                "expires": now + self.config.code_s, "used": False,
            }
            self.store.changed()
        return code

    # --- token endpoint ----------------------------------------------------------------------------

    def authenticate_client(self, client_id: str, client_secret: str | None) -> dict:
        client = self.store.clients.get(client_id or "")
        if client is None:
            raise OAuthError("invalid_client", status=401)
        expected = client.get("client_secret") or ""
        # A confidential client must prove its secret; a public (PKCE) client has none.
        if expected and (client_secret is None
                         or not secrets.compare_digest(client_secret.encode(), expected.encode())):
            raise OAuthError("invalid_client", status=401)
        return client

    def exchange_code(self, *, client: dict, code: str, redirect_uri: str, code_verifier: str | None) -> dict:
        with self.store.lock:
            entry = self.store.codes.get(code)
            if entry is None or entry["used"] or entry["expires"] < self.clock.time():
                raise OAuthError("invalid_grant")
            entry["used"] = True  # single use, even when what follows fails
            self.store.changed()
            if entry["client_id"] != client["client_id"] or entry["redirect_uri"] != redirect_uri:
                raise OAuthError("invalid_grant")
            if entry["code_challenge"] and (not code_verifier or not 43 <= len(code_verifier) <= 128
                                            or not secrets.compare_digest(s256(code_verifier),
                                                                          entry["code_challenge"])):
                raise OAuthError("invalid_grant", "PKCE verification failed")
            if not client.get("client_secret") and not entry["code_challenge"]:
                raise OAuthError("invalid_grant", "A public client must use PKCE")
            return self.new_grant(client, entry["user_id"], entry["scope"], entry["tenant_ids"])

    def new_grant(self, client: dict, user_id: str, scope: str, tenant_ids: list[str]) -> dict:
        """A consent: the user's grant for this client (one per user and client, scopes additive
        across re-authorisations), a connection per tenant, and the first tokens."""
        with self.store.lock:
            now = self.clock.time()
            auth_event_id = str(uuid.uuid4())
            grant = next((g for g in self.store.grants.values() if g["client_id"] == client["client_id"]
                          and g["user_id"] == user_id and not g["revoked"]), None)
            if grant is None:
                grant = {"grant_id": str(uuid.uuid4()), "client_id": client["client_id"], "user_id": user_id,
                         "scope": scope, "revoked": False, "access_generation": 0, "refresh_not_before": 0.0,
                         "created": now}
                self.store.grants[grant["grant_id"]] = grant
            else:
                grant["scope"] = " ".join(dict.fromkeys((grant["scope"] + " " + scope).split()))
            for tenant_id in tenant_ids:
                existing = next((c for c in self.store.connections.values() if c["grant_id"] == grant["grant_id"]
                                 and c["tenant_id"] == tenant_id), None)
                if existing is None:
                    connection_id = str(uuid.uuid4())
                    self.store.connections[connection_id] = {
                        "id": connection_id, "grant_id": grant["grant_id"], "tenant_id": tenant_id,
                        "auth_event_id": auth_event_id, "created": now, "updated": now,
                    }
                else:
                    existing["auth_event_id"] = auth_event_id
                    existing["updated"] = now
            return self._tokens(grant, auth_event_id, include_id_token="openid" in scope.split())

    def _tokens(self, grant: dict, auth_event_id: str, *, include_id_token: bool) -> dict:
        now = self.clock.time()
        user = self.store.users[grant["user_id"]]
        scopes = grant["scope"].split()
        access = self.signer.sign({
            "nbf": int(now), "exp": int(now) + self.config.access_token_s, "iss": ISSUER, "aud": AUDIENCE,
            "client_id": grant["client_id"], "sub": user["user_id"].replace("-", ""), "auth_time": int(now),
            "xero_userid": user["user_id"], "global_session_id": secrets.token_hex(16), "sid": secrets.token_hex(16),
            "jti": secrets.token_hex(16), "authentication_event_id": auth_event_id, "scope": scopes,
            "iat": int(now),
            # The sandbox's own bookkeeping: which grant, and which "expire early" generation.
            "grant_id": grant["grant_id"], "sandbox_generation": grant.get("access_generation", 0),
        })
        body: dict = {"access_token": access, "expires_in": self.config.access_token_s, "token_type": "Bearer",
                      "scope": grant["scope"]}
        if "offline_access" in scopes:
            refresh = secrets.token_urlsafe(32)
            for token in self.store.refresh_tokens.values():
                if token["grant_id"] == grant["grant_id"] and token["status"] == "current":
                    token["status"] = "previous"
                    token["valid_until"] = now + self.config.refresh_grace_s
            self.store.refresh_tokens[refresh] = {"grant_id": grant["grant_id"], "status": "current",
                                                  "issued": now, "auth_event_id": auth_event_id}
            body["refresh_token"] = refresh
        if include_id_token:
            claims = {"nbf": int(now), "exp": int(now) + self.config.id_token_s, "iss": ISSUER,
                      "aud": grant["client_id"], "iat": int(now), "auth_time": int(now),
                      "sub": user["user_id"].replace("-", ""), "xero_userid": user["user_id"],
                      "global_session_id": secrets.token_hex(16), "sid": secrets.token_hex(16)}
            if "profile" in scopes:
                claims.update(given_name=user["given_name"], family_name=user["family_name"],
                              name=f"{user['given_name']} {user['family_name']}", preferred_username=user["email"])
            if "email" in scopes:
                claims["email"] = user["email"]
            body["id_token"] = self.signer.sign(claims)
        grant["last_used"] = now
        self.store.changed()
        return body

    def refresh(self, *, client: dict, refresh_token: str) -> dict:
        with self.store.lock:
            entry = self.store.refresh_tokens.get(refresh_token)
            now = self.clock.time()
            if entry is None:
                raise OAuthError("invalid_grant")
            grant = self.store.grants.get(entry["grant_id"])
            if grant is None or grant["revoked"] or grant["client_id"] != client["client_id"]:
                raise OAuthError("invalid_grant")
            if entry["status"] == "previous" and entry["valid_until"] < now:
                raise OAuthError("invalid_grant")  # reused after the grace period
            if entry["issued"] < grant.get("refresh_not_before", 0.0):
                raise OAuthError("invalid_grant")  # expired early through the control API
            if now - entry["issued"] > self.config.refresh_idle_s:
                raise OAuthError("invalid_grant")  # unused for 60 days
            return self._tokens(grant, entry["auth_event_id"], include_id_token=False)

    def revoke(self, *, client: dict, token: str) -> None:
        with self.store.lock:
            entry = self.store.refresh_tokens.get(token)
            if entry is None:
                return  # RFC 7009: an unknown token is not an error
            grant = self.store.grants.get(entry["grant_id"])
            if grant is None or grant["client_id"] != client["client_id"]:
                return
            self.revoke_grant(grant["grant_id"])

    def revoke_grant(self, grant_id: str) -> None:
        with self.store.lock:
            self.store.grants[grant_id]["revoked"] = True
            for connection_id in [cid for cid, c in self.store.connections.items() if c["grant_id"] == grant_id]:
                del self.store.connections[connection_id]
            self.store.changed()

    def expire_tokens(self, grant_id: str, *, refresh: bool) -> None:
        """Every access token issued so far is expired at once; with `refresh`, every refresh
        token too (the next refresh is invalid_grant and the user must consent again)."""
        with self.store.lock:
            grant = self.store.grants[grant_id]
            grant["access_generation"] = grant.get("access_generation", 0) + 1
            if refresh:
                grant["refresh_not_before"] = self.clock.time() + 1e-6
            self.store.changed()

    # --- access tokens -----------------------------------------------------------------------------

    def grant_for_access_token(self, token: str) -> tuple[dict | None, str, set[str]]:
        """(grant, problem, scopes): problem is "" when the token is good, else TokenExpired or
        AuthenticationUnsuccessful, the Detail Xero's 401 carries."""
        try:
            claims = self.signer.verify(token)
        except jwt.PyJWTError:
            return None, "AuthenticationUnsuccessful", set()
        grant = self.store.grants.get(str(claims.get("grant_id", "")))
        if grant is None or grant["revoked"]:
            return None, "AuthenticationUnsuccessful", set()
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= self.clock.time() or \
                claims.get("sandbox_generation", 0) < grant.get("access_generation", 0):
            return None, "TokenExpired", set()
        scopes = claims.get("scope")
        return grant, "", set(scopes) if isinstance(scopes, list) else set()

    def connections(self, grant_id: str, auth_event_id: str | None = None) -> list[dict]:
        return [c for c in self.store.connections.values() if c["grant_id"] == grant_id
                and (not auth_event_id or c["auth_event_id"] == auth_event_id)]
