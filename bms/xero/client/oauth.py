"""Xero's OAuth 2.0 identity protocol: authorisation URL (state + PKCE S256), code exchange,
refresh, revocation and the /connections list. Built on Authlib's httpx client.

Tokens pass through here and nowhere is one logged: reprs of TokenSet hide them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import httpx2
import jwt
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from pydantic import BaseModel, ConfigDict, Field

from bms.xero.client.errors import AuthError, RetryableError, UncertainError, XeroError

T = TypeVar("T")


@dataclass(frozen=True)
class OAuthEndpoints:
    authorize_url: str
    token_url: str
    revoke_url: str
    connections_url: str


def _claims(token: str | None) -> dict[str, Any]:
    # The tokens come straight from the token endpoint over TLS in the code flow, which OpenID
    # Connect Core §3.1.3.7 accepts in place of a signature check; we read claims, we don't trust
    # them for authorisation (Xero enforces that on every API call).
    if not token:
        return {}
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}


class TokenSet(BaseModel):
    """A token response. `repr` hides the secrets so a stray log line can't leak them."""

    model_config = ConfigDict(extra="ignore")

    access_token: str = Field(repr=False)
    refresh_token: str = Field(repr=False)
    expires_in: int = 1800
    token_type: str = "Bearer"  # noqa: S105 (the token scheme, not a secret)
    scope: str = ""
    id_token: str | None = Field(default=None, repr=False)

    @property
    def access_claims(self) -> dict[str, Any]:
        return _claims(self.access_token)

    @property
    def identity_claims(self) -> dict[str, Any]:
        return _claims(self.id_token)

    @property
    def xero_user_id(self) -> str:
        claims = self.access_claims
        return str(claims.get("xero_userid") or self.identity_claims.get("xero_userid") or claims.get("sub") or "")

    @property
    def auth_event_id(self) -> str:
        # Xero puts authentication_event_id in the access token, not in the id_token.
        return str(self.access_claims.get("authentication_event_id") or "")

    @property
    def person_name(self) -> str:
        claims = self.identity_claims
        full = " ".join(part for part in (claims.get("given_name"), claims.get("family_name")) if part)
        return full or str(claims.get("name") or claims.get("preferred_username") or "")

    @property
    def person_email(self) -> str:
        return str(self.identity_claims.get("email") or "")


class Connection(BaseModel):
    """One tenant the grant reaches (GET /connections)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    auth_event_id: str | None = Field(default=None, alias="authEventId")
    xero_tenant_id: str = Field(alias="tenantId")
    tenant_type: str = Field(default="ORGANISATION", alias="tenantType")
    tenant_name: str | None = Field(default=None, alias="tenantName")
    created_date_utc: datetime | None = Field(default=None, alias="createdDateUtc")
    updated_date_utc: datetime | None = Field(default=None, alias="updatedDateUtc")


def new_code_verifier() -> str:
    # RFC 7636: 43–128 characters from the unreserved set.
    verifier: str = generate_token(64)
    return verifier


class XeroOAuth:
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        scopes: str,
        endpoints: OAuthEndpoints,
        timeout_s: float = 20.0,
        transport: httpx2.BaseTransport | None = None,
    ):
        self._endpoints = endpoints
        self._client = OAuth2Client(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            scope=scopes,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106 (a method name, not a secret)
            timeout=timeout_s,
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> XeroOAuth:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def authorization_url(self, *, state: str, code_verifier: str) -> str:
        url: str
        url, _ = self._client.create_authorization_url(
            self._endpoints.authorize_url, state=state, code_verifier=code_verifier
        )
        return url

    def exchange_code(self, *, code: str, code_verifier: str) -> TokenSet:
        return self._token_call(
            lambda: self._client.fetch_token(
                self._endpoints.token_url, grant_type="authorization_code", code=code, code_verifier=code_verifier
            )
        )

    def refresh(self, *, refresh_token: str) -> TokenSet:
        return self._token_call(
            lambda: self._client.refresh_token(self._endpoints.token_url, refresh_token=refresh_token)
        )

    def revoke(self, *, refresh_token: str) -> None:
        """Revokes the refresh token, which removes every tenant of the grant (xero-notes §1.6)."""
        response: httpx2.Response = self._send(
            lambda: self._client.revoke_token(
                self._endpoints.revoke_url, token=refresh_token, token_type_hint="refresh_token"  # noqa: S106
            )
        )
        self._raise_for_status(response, "revoking the grant")

    def connections(self, *, access_token: str, auth_event_id: str | None = None) -> list[Connection]:
        params = {"authEventId": auth_event_id} if auth_event_id else None
        response: httpx2.Response = self._send(
            # Our own bearer header, not Authlib's session token (which may belong to another call).
            lambda: self._client.request(
                "GET", self._endpoints.connections_url, params=params, headers=self._bearer(access_token),
                withhold_token=True,
            )
        )
        self._raise_for_status(response, "listing connections")
        return [Connection.model_validate(item) for item in response.json()]

    def delete_connection(self, *, access_token: str, connection_id: str) -> None:
        """Disconnects one tenant; the tokens stay valid for the grant's other tenants."""
        response: httpx2.Response = self._send(
            lambda: self._client.request(
                "DELETE", f"{self._endpoints.connections_url.rstrip('/')}/{connection_id}",
                headers=self._bearer(access_token), withhold_token=True,
            )
        )
        if response.status_code == 404:
            return  # already gone: the outcome we wanted
        self._raise_for_status(response, "removing the connection")

    @staticmethod
    def _bearer(access_token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}

    def _token_call(self, call: Callable[[], Mapping[str, Any]]) -> TokenSet:
        try:
            token = self._send(call)
        except OAuthError as exc:
            if exc.error == "invalid_grant":
                raise AuthError("Xero refused the grant (invalid_grant)", oauth_error=exc.error) from None
            raise XeroError(f"Xero's token endpoint refused the request ({exc.error})") from None
        except httpx2.HTTPStatusError as exc:
            raise RetryableError(
                f"Xero's token endpoint answered {exc.response.status_code}", status_code=exc.response.status_code
            ) from None
        return TokenSet.model_validate(dict(token))

    @staticmethod
    def _send(call: Callable[[], T]) -> T:
        try:
            return call()
        except httpx2.ConnectError as exc:
            raise RetryableError(f"could not reach Xero ({type(exc).__name__})") from None
        except (httpx2.TimeoutException, httpx2.RemoteProtocolError, httpx2.ReadError) as exc:
            # The request may have been processed; for a refresh that means the old refresh token
            # is now the previous one, still usable for Xero's 30-minute grace period.
            raise UncertainError(f"no answer from Xero ({type(exc).__name__})") from None

    @staticmethod
    def _raise_for_status(response: httpx2.Response, doing: str) -> None:
        if response.status_code < 400:
            return
        if response.status_code in (401, 403):
            raise AuthError(f"Xero refused {doing} ({response.status_code})", status_code=response.status_code)
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableError(f"Xero could not handle {doing} ({response.status_code})",
                                 status_code=response.status_code)
        raise XeroError(f"Xero refused {doing} ({response.status_code})", status_code=response.status_code)
