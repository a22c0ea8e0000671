"""The identity service's HTTP face: /identity/connect/authorize (the consent page),
/identity/connect/token, /identity/connect/revocation, /connections (also /Connections, as
xero-python spells it) and the OpenID discovery documents."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from xero_sandbox.errors import problem
from xero_sandbox.identity import ISSUER, OAuthError
from xero_sandbox.jsonout import XeroJSON
from xero_sandbox.pages import consent_page, refused_page
from xero_sandbox.pipeline import DroppedResponse
from xero_sandbox.seed import DEMO_USER

if TYPE_CHECKING:
    from xero_sandbox.app import Sandbox

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def iso(timestamp: float) -> str:
    """RFC 3339 with a zone, as the identity description's `format: date-time` requires."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _redirect(uri: str, params: dict[str, str]) -> RedirectResponse:
    separator = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{separator}{urlencode(params)}", status_code=303)


class OAuthEndpoints:
    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox

    def routes(self) -> list[Route]:
        return [
            Route("/identity/connect/authorize", self.authorize, methods=["GET", "POST"]),
            Route("/identity/connect/token", self.token, methods=["POST"]),
            Route("/identity/connect/revocation", self.revocation, methods=["POST"]),
            Route("/connections", self.get_connections, methods=["GET"]),
            Route("/Connections", self.get_connections, methods=["GET"]),
            Route("/connections/{id}", self.delete_connection, methods=["DELETE"]),
            Route("/Connections/{id}", self.delete_connection, methods=["DELETE"]),
            Route("/.well-known/openid-configuration", self.discovery, methods=["GET"]),
            Route("/.well-known/openid-configuration/jwks", self.jwks, methods=["GET"]),
        ]

    async def _form(self, request: Request) -> FormData:
        try:
            return await request.form()
        except Exception:  # noqa: BLE001 (malformed multipart or encoding: python-multipart raises several kinds)
            raise OAuthError("invalid_request", "The request body could not be read") from None

    # --- authorize ------------------------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        sandbox = self.sandbox
        try:
            form = await self._form(request) if request.method == "POST" else None
        except OAuthError as exc:
            return HTMLResponse(refused_page(exc.description), status_code=400)
        params = {k: str(v) for k, v in (form or request.query_params).items() if k != "tenant"}
        try:
            client = sandbox.identity.check_client_redirect(params.get("client_id", ""), params.get("redirect_uri", ""))
        except OAuthError as exc:
            return HTMLResponse(refused_page(exc.description), status_code=400)
        redirect_uri, state = params["redirect_uri"], params.get("state", "")
        back = {"state": state} if state else {}
        if params.get("response_type") != "code":
            return _redirect(redirect_uri, {"error": "unsupported_response_type", **back})
        challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
        if challenge and (method != "S256" or not 43 <= len(challenge) <= 128):
            return _redirect(redirect_uri, {"error": "invalid_request",
                                            "error_description": "code_challenge_method must be S256", **back})
        if not client.get("client_secret") and not challenge:
            return _redirect(redirect_uri, {"error": "invalid_request",
                                            "error_description": "PKCE is required for this client", **back})
        if form is not None and params.get("decision") == "deny":
            return _redirect(redirect_uri, {"error": "access_denied", **back})
        orgs = list(sandbox.store.orgs.values())
        user = sandbox.store.users[DEMO_USER["user_id"]]
        if form is None and not sandbox.config.auto_consent:
            return HTMLResponse(consent_page(client=client, user=user, orgs=orgs, params=params))
        if form is None:
            tenant_ids = [t for t in sandbox.config.auto_consent_tenants if t in sandbox.store.orgs] or \
                [o["tenant_id"] for o in orgs]
        else:
            tenant_ids = [str(t) for t in form.getlist("tenant") if t in sandbox.store.orgs]
            if not tenant_ids:
                return HTMLResponse(consent_page(client=client, user=user, orgs=orgs, params=params,
                                                 error="Choose at least one organisation."), status_code=400)
        code = sandbox.identity.issue_code(client_id=client["client_id"], redirect_uri=redirect_uri,
                                           scope=params.get("scope", ""), user_id=user["user_id"],
                                           tenant_ids=tenant_ids, code_challenge=challenge)
        return _redirect(redirect_uri, {"code": code, "scope": params.get("scope", ""), **back,
                                        "session_state": hashlib.sha256(code.encode()).hexdigest()[:32]})

    # --- token and revocation -------------------------------------------------------------------

    async def _client(self, request: Request, form: FormData) -> dict:
        """HTTP Basic (Xero's documented way) or client_id/client_secret in the form (xero-python)."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("authorization", "")
        if header[:6].lower() == "basic ":
            try:
                client_id, secret = base64.b64decode(header[6:], validate=True).decode().split(":", 1)
            except (ValueError, UnicodeDecodeError, binascii.Error):
                raise OAuthError("invalid_client", status=401) from None
        return self.sandbox.identity.authenticate_client(str(client_id or ""),
                                                         None if secret is None else str(secret))

    async def token(self, request: Request) -> Response:
        sandbox = self.sandbox
        entry = sandbox.log.add({"at": sandbox.clock.time(), "done": None, "method": "POST",
                                 "path": request.url.path, "endpoint": "POST /connect/token", "tenant": "",
                                 "client_id": None, "status": None, "problem": None, "grant_type": None},
                                identity=True)
        faults = sandbox.identity_faults
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if sandbox.dice.roll(faults.error_500_rate):
            entry.update(status=500, problem="error_500", done=sandbox.clock.time())
            return JSONResponse({"error": "server_error"}, status_code=500)
        try:
            form = await self._form(request)
            client = await self._client(request, form)
            entry["client_id"] = client["client_id"]
            grant_type = entry["grant_type"] = str(form.get("grant_type") or "")
            if grant_type == "authorization_code":
                verifier = form.get("code_verifier")
                body = sandbox.identity.exchange_code(client=client, code=str(form.get("code") or ""),
                                                      redirect_uri=str(form.get("redirect_uri") or ""),
                                                      code_verifier=None if verifier is None else str(verifier))
            elif grant_type == "refresh_token":
                body = sandbox.identity.refresh(client=client, refresh_token=str(form.get("refresh_token") or ""))
            elif not grant_type:
                raise OAuthError("invalid_request", "grant_type is required")
            else:
                raise OAuthError("unsupported_grant_type")
        except OAuthError as exc:
            entry.update(status=exc.status, problem=exc.error, done=sandbox.clock.time())
            return JSONResponse(exc.body(), status_code=exc.status, headers=NO_STORE)
        entry.update(status=200, done=sandbox.clock.time())
        if sandbox.dice.roll(faults.drop_rate):
            entry["problem"] = "dropped"  # the tokens were issued (and the old refresh token rotated)
            return DroppedResponse()
        return JSONResponse(body, headers=NO_STORE)

    async def revocation(self, request: Request) -> Response:
        try:
            form = await self._form(request)
            client = await self._client(request, form)
        except OAuthError as exc:
            return JSONResponse(exc.body(), status_code=exc.status)
        self.sandbox.identity.revoke(client=client, token=str(form.get("token") or ""))
        return Response(status_code=200)

    # --- connections ----------------------------------------------------------------------------

    def _bearer_grant(self, request: Request) -> tuple[dict | None, str]:
        header = request.headers.get("authorization", "")
        if header[:7].lower() != "bearer ":
            return None, "AuthenticationUnsuccessful"
        grant, token_problem, _ = self.sandbox.identity.grant_for_access_token(header[7:].strip())
        return grant, token_problem

    def _unauthorised(self, detail: str) -> Response:
        error = problem(401, "Unauthorized", detail)
        return XeroJSON(error.body, status_code=401, headers={"WWW-Authenticate": "Bearer"})

    async def get_connections(self, request: Request) -> Response:
        sandbox = self.sandbox
        grant, token_problem = self._bearer_grant(request)
        if grant is None:
            response = self._unauthorised(token_problem)
        else:
            auth_event_id = request.query_params.get("authEventId")
            body = []
            with sandbox.store.lock:
                for connection in sorted(sandbox.identity.connections(grant["grant_id"], auth_event_id),
                                         key=lambda c: c["created"]):
                    org = sandbox.store.org(connection["tenant_id"])
                    body.append({"id": connection["id"], "authEventId": connection["auth_event_id"],
                                 "tenantId": connection["tenant_id"], "tenantType": "ORGANISATION",
                                 "tenantName": org["name"] if org else "",
                                 "createdDateUtc": iso(connection["created"]),
                                 "updatedDateUtc": iso(connection["updated"])})
            response = JSONResponse(body)
        if sandbox.config.record_traffic:
            sandbox.record(request, b"", response, "identity")
        return response

    async def delete_connection(self, request: Request) -> Response:
        sandbox = self.sandbox
        grant, token_problem = self._bearer_grant(request)
        if grant is None:
            response = self._unauthorised(token_problem)
        else:
            with sandbox.store.lock:
                connection = sandbox.store.connections.get(request.path_params["id"])
                if connection is None or connection["grant_id"] != grant["grant_id"]:
                    error = problem(404, "Not Found", "Connection not found")
                    response = XeroJSON(error.body, status_code=404)
                else:
                    del sandbox.store.connections[request.path_params["id"]]
                    sandbox.store.changed()
                    response = Response(status_code=204)
        if sandbox.config.record_traffic:
            sandbox.record(request, b"", response, "identity")
        return response

    # --- OpenID discovery -----------------------------------------------------------------------

    async def discovery(self, request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return JSONResponse({
            "issuer": ISSUER, "authorization_endpoint": f"{base}/identity/connect/authorize",
            "token_endpoint": f"{base}/identity/connect/token",
            "revocation_endpoint": f"{base}/identity/connect/revocation",
            "jwks_uri": f"{base}/.well-known/openid-configuration/jwks",
            "response_types_supported": ["code"], "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"], "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        })

    async def jwks(self, request: Request) -> Response:
        return JSONResponse(self.sandbox.signer.jwks())
