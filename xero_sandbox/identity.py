"""Xero's identity service, as the sandbox plays it (xero-notes §1).

Codes are single use and live 5 minutes; PKCE (S256) is checked when the request carried a
challenge. Access tokens are RS256 JWTs (30 minutes) with `xero_userid` and
`authentication_event_id`; an id_token with name and email comes back when openid/profile/email
were asked for. Refresh tokens rotate on every use; the previous one keeps working for the grace
period (a lost response), after which it is `invalid_grant`, as is a token unused for 60 days or
belonging to a revoked grant. Revocation removes every connection of the grant.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://identity.xero.com"
AUDIENCE = "https://identity.xero.com/resources"


class OAuthError(Exception):
    def __init__(self, error: str, description: str = "", status: int = 400):
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status


@dataclass
class Signer:
    private_key: rsa.RSAPrivateKey

    @classmethod
    def load_or_create(cls, data_dir: Path | None) -> Signer:
        path = data_dir / "signing-key.pem" if data_dir else None
        if path is not None and path.exists():
            return cls(serialization.load_pem_private_key(path.read_bytes(), password=None))
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
            path.chmod(0o600)
        return cls(key)

    def sign(self, claims: dict) -> str:
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": "sandbox"})

    def verify(self, token: str) -> dict:
        # Expiry is checked against the sandbox clock by the caller, not the wall clock.
        return jwt.decode(token, self.private_key.public_key(), algorithms=["RS256"], audience=AUDIENCE,
                          options={"verify_exp": False, "verify_nbf": False, "verify_iat": False})


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class Identity:
    def __init__(self, store, config, clock, signer: Signer):
        self.store, self.config, self.clock, self.signer = store, config, clock, signer

    # --- authorisation codes -------------------------------------------------------------------

    def check_client_redirect(self, client_id: str, redirect_uri: str) -> dict:
        client = self.store.clients.get(client_id)
        if client is None:
            raise OAuthError("unauthorized_client", "Unknown client_id")
        if redirect_uri not in client["redirect_uris"]:
            raise OAuthError("invalid_request", "The redirect_uri is not registered for this client")
        return client

    def issue_code(self, *, client_id, redirect_uri, scope, user_id, tenant_ids, code_challenge=None,
                   code_challenge_method=None) -> str:
        code = secrets.token_urlsafe(32)
        with self.store.lock:
            self.store.codes[code] = {
                "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope, "user_id": user_id,
                "tenant_ids": list(tenant_ids), "code_challenge": code_challenge,
                "code_challenge_method": code_challenge_method, "expires": self.clock.time() + self.config.code_s,
                "used": False,
            }
        return code

    # --- token endpoint ------------------------------------------------------------------------

    def authenticate_client(self, client_id: str, client_secret: str | None, *, pkce: bool) -> dict:
        client = self.store.clients.get(client_id or "")
        if client is None:
            raise OAuthError("invalid_client", status=401)
        if client_secret is not None:
            if not secrets.compare_digest(client_secret, client["client_secret"]):
                raise OAuthError("invalid_client", status=401)
        elif not pkce:
            raise OAuthError("invalid_client", status=401)
        return client

    def exchange_code(self, *, client: dict, code: str, redirect_uri: str, code_verifier: str | None) -> dict:
        with self.store.lock:
            entry = self.store.codes.get(code)
            if entry is None or entry["used"] or entry["expires"] < self.clock.time():
                raise OAuthError("invalid_grant")
            entry["used"] = True  # single use, even when what follows fails
            if entry["client_id"] != client["client_id"] or entry["redirect_uri"] != redirect_uri:
                raise OAuthError("invalid_grant")
            if entry["code_challenge"] and (not code_verifier or s256(code_verifier) != entry["code_challenge"]):
                raise OAuthError("invalid_grant", "PKCE verification failed")
            return self.new_grant(client, entry["user_id"], entry["scope"], entry["tenant_ids"])

    def new_grant(self, client: dict, user_id: str, scope: str, tenant_ids: list[str]) -> dict:
        now = self.clock.time()
        auth_event_id = str(uuid.uuid4())
        grant = next((g for g in self.store.grants.values() if g["client_id"] == client["client_id"]
                      and g["user_id"] == user_id and not g["revoked"]), None)
        if grant is None:
            grant = {"grant_id": str(uuid.uuid4()), "client_id": client["client_id"], "user_id": user_id,
                     "scope": scope, "revoked": False, "access_not_before": 0.0, "created": now}
            self.store.grants[grant["grant_id"]] = grant
        else:
            # Scopes are additive across re-authorisations (xero-notes §1.3).
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
        self.store.changed()
        return self._tokens(grant, auth_event_id, include_id_token="openid" in scope.split())

    def _tokens(self, grant: dict, auth_event_id: str, *, include_id_token: bool) -> dict:
        now = self.clock.time()
        user = self.store.users[grant["user_id"]]
        scopes = grant["scope"].split()
        access = self.signer.sign({
            "iss": ISSUER, "aud": AUDIENCE, "nbf": int(now), "iat": now, "exp": int(now) + self.config.access_token_s,
            "client_id": grant["client_id"], "sub": user["user_id"].replace("-", ""), "auth_time": int(now),
            "xero_userid": user["user_id"], "global_session_id": secrets.token_hex(16), "jti": secrets.token_hex(16),
            "authentication_event_id": auth_event_id, "grant_id": grant["grant_id"], "scope": scopes,
        })
        refresh = secrets.token_urlsafe(32)
        for token in self.store.refresh_tokens.values():
            if token["grant_id"] == grant["grant_id"] and token["status"] == "current":
                token["status"] = "previous"
                token["valid_until"] = now + self.config.refresh_grace_s
        self.store.refresh_tokens[refresh] = {"grant_id": grant["grant_id"], "status": "current", "issued": now,
                                              "auth_event_id": auth_event_id}
        grant["last_refresh"] = now
        body = {"access_token": access, "expires_in": self.config.access_token_s, "token_type": "Bearer",
                "refresh_token": refresh, "scope": grant["scope"]}
        if include_id_token:
            claims = {"iss": ISSUER, "aud": grant["client_id"], "iat": int(now), "exp": int(now) + 300,
                      "sub": user["user_id"].replace("-", ""), "auth_time": int(now), "xero_userid": user["user_id"],
                      "global_session_id": secrets.token_hex(16)}
            if "profile" in scopes:
                claims.update(given_name=user["given_name"], family_name=user["family_name"],
                              preferred_username=user["email"])
            if "email" in scopes:
                claims["email"] = user["email"]
            body["id_token"] = jwt.encode(claims, self.signer.private_key, algorithm="RS256")
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
            if now - grant.get("last_refresh", grant["created"]) > self.config.refresh_idle_s:
                raise OAuthError("invalid_grant")  # unused for 60 days
            return self._tokens(grant, entry["auth_event_id"], include_id_token=False)

    def revoke(self, *, client: dict, token: str) -> None:
        with self.store.lock:
            entry = self.store.refresh_tokens.get(token)
            if entry is None:
                return  # RFC 7009: unknown tokens are not an error
            grant = self.store.grants.get(entry["grant_id"])
            if grant is None or grant["client_id"] != client["client_id"]:
                return
            self.revoke_grant(grant["grant_id"])

    def revoke_grant(self, grant_id: str) -> None:
        with self.store.lock:
            grant = self.store.grants[grant_id]
            grant["revoked"] = True
            for connection_id in [cid for cid, c in self.store.connections.items() if c["grant_id"] == grant_id]:
                del self.store.connections[connection_id]
            self.store.changed()

    # --- access tokens -------------------------------------------------------------------------

    def grant_for_access_token(self, token: str) -> tuple[dict | None, str]:
        """(grant, problem): problem is "" when the token is good, else TokenExpired / AuthenticationUnsuccessful."""
        try:
            claims = self.signer.verify(token)
        except jwt.PyJWTError:
            return None, "AuthenticationUnsuccessful"
        grant = self.store.grants.get(claims.get("grant_id", ""))
        if grant is None or grant["revoked"]:
            return None, "AuthenticationUnsuccessful"
        if claims["exp"] < self.clock.time() or claims["iat"] < grant.get("access_not_before", 0):
            return None, "TokenExpired"
        return grant, ""

    def connections(self, grant_id: str, auth_event_id: str | None = None) -> list[dict]:
        return [c for c in self.store.connections.values() if c["grant_id"] == grant_id
                and (not auth_event_id or c["auth_event_id"] == auth_event_id)]
