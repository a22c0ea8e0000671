"""The sandbox application: Xero's identity service, the Accounting API under /api.xro/2.0/, the
control API under /_sandbox/ and a read-only page at / showing what arrived "in Xero"."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import json
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from xero_sandbox import contacts, invoices, journals, payments, settings_endpoints
from xero_sandbox.clock import Clock
from xero_sandbox.common import ApiError, problem
from xero_sandbox.config import SandboxConfig
from xero_sandbox.faults import Dice, Faults
from xero_sandbox.identity import Identity, OAuthError, Signer
from xero_sandbox.jsonout import dumps
from xero_sandbox.limits import Limits
from xero_sandbox.request import Req
from xero_sandbox.seed import DEMO_USER, seed_state
from xero_sandbox.store import Store
from xero_sandbox.xerodates import ms_date


class XeroJSON(Response):
    media_type = "application/json; charset=utf-8"

    def render(self, content) -> bytes:
        return dumps(content)


class DroppedResponse(Response):
    """Starts an answer and cuts the connection: the client sees a broken response although the
    write has committed (xero-notes trap 1)."""

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})
        await send({"type": "http.response.body", "body": b'{"Id":', "more_body": True})
        raise ConnectionAbortedError("sandbox fault: response dropped after commit")


class Sandbox:
    def __init__(self, data_dir: Path | None = None, config: SandboxConfig | None = None):
        self.config = config or SandboxConfig()
        self.clock = Clock()
        self.data_dir = data_dir
        self.store = Store(data_dir if self.config.persist else None)
        if not self.store.load():
            seed_state(self.store)
            self.store.save()
        self.signer = Signer.load_or_create(data_dir)
        self.identity = Identity(self.store, self.config, self.clock, self.signer)
        self.limits = Limits(self.config, self.clock)
        self.dice = Dice()
        self.app = Starlette(routes=self._routes(), lifespan=self._lifespan)
        self.store.start_flusher()

    @asynccontextmanager
    async def _lifespan(self, app):
        yield
        self.store.close()  # the last changes reach the data folder

    # --- routing ------------------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        api = "/api.xro/2.0"
        accounting = [
            ("GET", "/Organisation", settings_endpoints.get_organisation),
            ("GET", "/Accounts", settings_endpoints.get_accounts),
            ("GET", "/TaxRates", settings_endpoints.get_tax_rates),
            ("GET", "/Contacts", contacts.get_contacts),
            ("PUT", "/Contacts", contacts.put_contacts),
            ("POST", "/Contacts", contacts.post_contacts),
            ("GET", "/Contacts/{ref}", contacts.get_contact),
            ("POST", "/Contacts/{ref}", contacts.post_contact),
            ("GET", "/Invoices", invoices.get_invoices),
            ("PUT", "/Invoices", invoices.put_invoices),
            ("POST", "/Invoices", invoices.post_invoices),
            ("GET", "/Invoices/{ref}", invoices.get_invoice),
            ("POST", "/Invoices/{ref}", invoices.post_invoice),
            ("GET", "/Payments", payments.get_payments),
            ("PUT", "/Payments", payments.put_payments),
            ("POST", "/Payments/{ref}", payments.post_payment),
            ("GET", "/ManualJournals", journals.get_journals),
            ("PUT", "/ManualJournals", journals.put_journals),
            ("POST", "/ManualJournals", journals.post_journals),
            ("GET", "/ManualJournals/{ref}", journals.get_journal),
            ("POST", "/ManualJournals/{ref}", journals.post_journals),
        ]
        routes: dict[str, dict] = {}
        for method, path, handler in accounting:
            routes.setdefault(path, {})[method] = handler
        built = [Route(api + path, self._accounting(handlers), methods=list(handlers))
                 for path, handlers in routes.items()]
        return [
            Route("/", self.index),
            Route("/identity/connect/authorize", self.authorize, methods=["GET", "POST"]),
            Route("/identity/connect/token", self.token, methods=["POST"]),
            Route("/identity/connect/revocation", self.revocation, methods=["POST"]),
            Route("/connections", self.get_connections, methods=["GET"]),
            Route("/Connections", self.get_connections, methods=["GET"]),
            Route("/connections/{id}", self.delete_connection, methods=["DELETE"]),
            Route("/Connections/{id}", self.delete_connection, methods=["DELETE"]),
            *built,
            Route("/_sandbox/state", self.control_state, methods=["GET"]),
            Route("/_sandbox/config", self.control_config, methods=["GET", "POST"]),
            Route("/_sandbox/clock/advance", self.control_clock, methods=["POST"]),
            Route("/_sandbox/clients", self.control_clients, methods=["POST"]),
            Route("/_sandbox/grants", self.control_mint_grant, methods=["POST"]),
            Route("/_sandbox/grants/{grant_id}/revoke", self.control_revoke, methods=["POST"]),
            Route("/_sandbox/grants/{grant_id}/expire-tokens", self.control_expire, methods=["POST"]),
            Route("/_sandbox/tenants/{tenant_id}/faults", self.control_faults, methods=["POST", "DELETE"]),
            Route("/_sandbox/tenants/{tenant_id}/lock-date", self.control_lock_date, methods=["POST"]),
            Route("/_sandbox/tenants/{tenant_id}/payments", self.control_payment, methods=["POST"]),
            Route("/_sandbox/tenants/{tenant_id}/accounts/{code}", self.control_account, methods=["POST"]),
            Route("/_sandbox/log", self.control_log, methods=["GET", "DELETE"]),
        ]

    # --- the Accounting API pipeline ----------------------------------------------------------

    def _accounting(self, handlers: dict):
        async def endpoint(request: Request) -> Response:
            return await self._handle(request, handlers[request.method])

        return endpoint

    async def _handle(self, request: Request, handler) -> Response:
        tenant_id = request.headers.get("xero-tenant-id", "")
        entry = {"at": self.clock.time(), "method": request.method, "path": request.url.path, "tenant": tenant_id,
                 "status": None, "problem": None, "idempotency_key": request.headers.get("idempotency-key")}
        self.store.log.append(entry)
        try:
            response = await self._pipeline(request, handler, tenant_id, entry)
            if self.config.record_traffic and not isinstance(response, DroppedResponse):
                self.store.traffic.append({
                    "method": request.method, "path": request.url.path, "query": dict(request.query_params),
                    "headers": dict(request.headers), "request_body": await request.body(),
                    "status": response.status_code, "content_type": response.media_type or "",
                    "body": response.body,
                })
            return response
        finally:
            # The concurrency slot is held until the answer is ready (latency included).
            if entry.get("admitted"):
                self.limits.release(tenant_id)
            entry["done"] = self.clock.time()

    async def _pipeline(self, request: Request, handler, tenant_id: str, entry: dict) -> Response:
        def answer(status: int, body, content_type="application/json", headers=None) -> Response:
            entry["status"] = status
            headers = {**(headers or {}), **entry.get("limit_headers", {})}
            if content_type == "application/json":
                return XeroJSON(body, status_code=status, headers=headers)
            return PlainTextResponse(body, status_code=status, headers=headers)

        raw = await request.body()
        if len(raw) > self.config.max_body_bytes:
            return answer(413, "Request Entity Too Large: the request body is over 3.5 MB", "text/plain")
        authorization = request.headers.get("authorization", "")
        if not authorization.lower().startswith("bearer "):
            error = problem(401, "Unauthorized", "AuthenticationUnsuccessful")
            return answer(error.status, error.body, headers={"WWW-Authenticate": "Bearer"})
        grant, token_problem = self.identity.grant_for_access_token(authorization[7:].strip())
        if grant is None:
            error = problem(401, "Unauthorized", token_problem)
            return answer(error.status, error.body, headers={"WWW-Authenticate": "Bearer"})
        connected = any(c["tenant_id"] == tenant_id for c in self.identity.connections(grant["grant_id"]))
        org = self.store.org(tenant_id)
        if not tenant_id or org is None or not connected:
            error = problem(403, "Forbidden", "AuthenticationUnsuccessful")
            return answer(error.status, error.body)
        faults = Faults.of(org)
        if faults.offline:
            return answer(503, "The Organisation is offline", "text/plain")
        verdict = self.limits.admit(tenant_id)
        entry["limit_headers"] = {"X-MinLimit-Remaining": str(max(0, verdict.minute_remaining)),
                                  "X-DayLimit-Remaining": str(max(0, verdict.day_remaining)),
                                  "X-AppMinLimit-Remaining": str(max(0, verdict.app_minute_remaining))}
        if not verdict.allowed:
            entry["problem"] = verdict.problem
            headers = {"X-Rate-Limit-Problem": verdict.problem}
            if verdict.retry_after is not None:
                headers["Retry-After"] = str(verdict.retry_after)
            return answer(429, {"Title": "Too Many Requests", "Status": 429,
                                "Detail": f"The {verdict.problem} rate limit was exceeded"}, headers=headers)
        entry["admitted"] = True
        if faults.storm_429 > 0:
            with self.store.lock:
                faults.storm_429 -= 1
                faults.save(org)
            entry["problem"] = "storm"
            return answer(429, {"Title": "Too Many Requests", "Status": 429, "Detail": "The minute rate limit was "
                                "exceeded"}, headers={"X-Rate-Limit-Problem": "minute", "Retry-After": "1"})
        is_write = request.method in ("PUT", "POST")
        key = request.headers.get("idempotency-key") if is_write else None
        fingerprint = hashlib.sha256(request.method.encode() + str(request.url.path).encode()
                                     + str(request.url.query).encode() + raw).hexdigest()
        if key:
            if len(key) > 128:
                return answer(400, {"ErrorNumber": 10, "Type": "ValidationException",
                                    "Message": "The Idempotency-Key header must be 128 characters or fewer"})
            replay = self._idempotent_replay(grant["client_id"], key, fingerprint)
            if replay is not None:
                return replay
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if self.dice.roll(faults.error_500_rate):
            return self._remember(grant["client_id"], key, fingerprint, answer(
                500, {"Title": "An error occurred", "Status": 500, "Detail": "An internal error occurred in Xero"}))
        if self.dice.roll(faults.error_503_rate):
            return answer(503, "The Xero API is temporarily unavailable", "text/plain")
        try:
            body = self._parse_body(request, raw) if is_write else None
            req = Req(method=request.method, org=org, tenant_id=tenant_id, client_id=grant["client_id"],
                      now=self.clock.now(), query={k.lower(): v for k, v in request.query_params.items()},
                      body=body, path_params=dict(request.path_params),
                      headers={k.lower(): v for k, v in request.headers.items()})
            with self.store.lock:
                status, result = handler(req)
                if is_write and status == 200:
                    self.store.changed()
        except ApiError as exc:
            return self._remember(grant["client_id"], key, fingerprint,
                                  answer(exc.status, exc.body, exc.content_type))
        response = self._remember(grant["client_id"], key, fingerprint, answer(status, result))
        if is_write and self.dice.roll(faults.drop_rate):
            entry["problem"] = "dropped"
            return DroppedResponse()
        return response

    def _parse_body(self, request: Request, raw: bytes):
        content_type = request.headers.get("content-type", "")
        if "json" not in content_type:
            raise ApiError(415, {"Title": "Unsupported Media Type", "Status": 415,
                                 "Detail": "Send the request body as application/json"})
        try:
            return json.loads(raw or b"null", parse_float=Decimal)
        except (ValueError, RecursionError):
            raise ApiError(400, {"ErrorNumber": 14, "Type": "PostDataInvalidException",
                                 "Message": "The request body is not valid JSON"}) from None

    def _idempotent_replay(self, client_id: str, key: str, fingerprint: str) -> Response | None:
        with self.store.lock:
            stored = self.store.idempotency.get((client_id, key))
            if stored is None or stored["expires"] < self.clock.time():
                return None
            if stored["fingerprint"] != fingerprint:
                return XeroJSON({"ErrorNumber": 10, "Type": "ValidationException",
                                 "Message": f"Idempotency Key: {key} is used with a different request"},
                                status_code=400)
            return Response(stored["body"], status_code=stored["status"], headers=stored["headers"],
                            media_type=stored["media_type"])

    def _remember(self, client_id: str, key: str | None, fingerprint: str, response: Response) -> Response:
        # Xero keeps the answer, errors included, for the key's lifetime (xero-notes trap 18).
        if key:
            with self.store.lock:
                self.store.idempotency[(client_id, key)] = {
                    "fingerprint": fingerprint, "status": response.status_code, "body": response.body,
                    "media_type": response.media_type,
                    "headers": {k: v for k, v in response.headers.items() if k.lower().startswith("x-")},
                    "expires": self.clock.time() + self.config.idempotency_window_s,
                }
        return response

    # --- identity -----------------------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        params = dict(request.query_params) if request.method == "GET" else dict(await request.form())
        try:
            client = self.identity.check_client_redirect(params.get("client_id", ""), params.get("redirect_uri", ""))
        except OAuthError as exc:
            return HTMLResponse(f"<h1>Sign-in request refused</h1><p>{html.escape(exc.description)}</p>", 400)
        redirect_uri, state = params["redirect_uri"], params.get("state", "")
        if params.get("response_type", "code") != "code":
            query = urlencode({"error": "unsupported_response_type", "state": state})
            return RedirectResponse(f"{redirect_uri}?{query}")
        method = params.get("code_challenge_method")
        if params.get("code_challenge") and method != "S256":
            return RedirectResponse(f"{redirect_uri}?{urlencode({'error': 'invalid_request', 'state': state})}")
        if request.method == "POST" and params.get("decision") == "deny":
            return RedirectResponse(f"{redirect_uri}?{urlencode({'error': 'access_denied', 'state': state})}", 303)
        if request.method == "GET" and not self.config.auto_consent:
            return HTMLResponse(self._consent_page(client, params))
        if self.config.auto_consent and request.method == "GET":
            tenant_ids = self.config.auto_consent_tenants or list(self.store.orgs)
        else:
            form = await request.form()
            tenant_ids = [t for t in form.getlist("tenant") if t in self.store.orgs]
            if not tenant_ids:
                return HTMLResponse(self._consent_page(client, params, error="Choose at least one organisation."))
        code = self.identity.issue_code(
            client_id=client["client_id"], redirect_uri=redirect_uri, scope=params.get("scope", ""),
            user_id=params.get("user_id") or DEMO_USER["user_id"], tenant_ids=tenant_ids,
            code_challenge=params.get("code_challenge"), code_challenge_method=method,
        )
        query = urlencode({"code": code, "scope": params.get("scope", ""), "state": state,
                           "session_state": hashlib.sha256(code.encode()).hexdigest()[:16]})
        return RedirectResponse(f"{redirect_uri}?{query}", 303)

    def _consent_page(self, client: dict, params: dict, error: str = "") -> str:
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in params.items() if k != "tenant")
        orgs = "".join(
            f'<label class="org"><input type="checkbox" name="tenant" value="{o["tenant_id"]}" checked> '
            f'<strong>{html.escape(o["name"])}</strong> <span>{o["country_code"]} · {o["base_currency"]}</span></label>'
            for o in self.store.orgs.values())
        scopes = "".join(f"<li>{html.escape(s)}</li>" for s in params.get("scope", "").split())
        user = self.store.users[DEMO_USER["user_id"]]
        return _page("Xero sandbox — allow access", f"""
<div class="consent">
  <p class="muted">Signed in as {html.escape(user['given_name'])} {html.escape(user['family_name'])}
     ({html.escape(user['email'])}) — local Xero sandbox</p>
  <h1>{html.escape(client['name'])} wants access to your Xero organisations</h1>
  {f'<p class="error">{html.escape(error)}</p>' if error else ''}
  <form method="post" action="/identity/connect/authorize">
    {hidden}
    <h2>Organisations to connect</h2>{orgs}
    <h2>It will be able to</h2><ul>{scopes}</ul>
    <button type="submit" name="decision" value="allow" class="allow">Allow access</button>
    <button type="submit" name="decision" value="deny">Cancel</button>
  </form>
</div>""")

    async def _client_auth(self, request: Request, form) -> dict:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                client_id, secret = base64.b64decode(header[6:]).decode().split(":", 1)
            except (ValueError, UnicodeDecodeError):
                raise OAuthError("invalid_client", status=401) from None
        return self.identity.authenticate_client(client_id or "", secret,
                                                 pkce=bool(form.get("code_verifier")))

    async def token(self, request: Request) -> Response:
        form = await request.form()
        try:
            client = await self._client_auth(request, form)
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                body = self.identity.exchange_code(client=client, code=form.get("code", ""),
                                                   redirect_uri=form.get("redirect_uri", ""),
                                                   code_verifier=form.get("code_verifier"))
            elif grant_type == "refresh_token":
                body = self.identity.refresh(client=client, refresh_token=form.get("refresh_token", ""))
            else:
                raise OAuthError("unsupported_grant_type")
        except OAuthError as exc:
            body = {"error": exc.error}
            if exc.description:
                body["error_description"] = exc.description
            return JSONResponse(body, status_code=exc.status)
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    async def revocation(self, request: Request) -> Response:
        form = await request.form()
        try:
            client = await self._client_auth(request, form)
        except OAuthError as exc:
            return JSONResponse({"error": exc.error}, status_code=exc.status)
        self.identity.revoke(client=client, token=form.get("token", ""))
        return Response(status_code=200)

    def _bearer_grant(self, request: Request):
        header = request.headers.get("authorization", "")
        grant, token_problem = self.identity.grant_for_access_token(header[7:].strip()) \
            if header.lower().startswith("bearer ") else (None, "AuthenticationUnsuccessful")
        return grant, token_problem

    async def get_connections(self, request: Request) -> Response:
        grant, token_problem = self._bearer_grant(request)
        if grant is None:
            return XeroJSON(problem(401, "Unauthorized", token_problem).body, status_code=401)
        auth_event_id = request.query_params.get("authEventId")
        body = []
        for connection in self.identity.connections(grant["grant_id"], auth_event_id):
            org = self.store.org(connection["tenant_id"])
            body.append({"id": connection["id"], "authEventId": connection["auth_event_id"],
                         "tenantId": connection["tenant_id"], "tenantType": "ORGANISATION",
                         "tenantName": org["name"] if org else None,
                         "createdDateUtc": _iso(connection["created"]), "updatedDateUtc": _iso(connection["updated"])})
        return JSONResponse(body)

    async def delete_connection(self, request: Request) -> Response:
        grant, token_problem = self._bearer_grant(request)
        if grant is None:
            return XeroJSON(problem(401, "Unauthorized", token_problem).body, status_code=401)
        with self.store.lock:
            connection = self.store.connections.get(request.path_params["id"])
            if connection is None or connection["grant_id"] != grant["grant_id"]:
                return XeroJSON({"Title": "Not Found", "Status": 404, "Detail": "Connection not found"},
                                status_code=404)
            del self.store.connections[request.path_params["id"]]
            self.store.changed()
        return Response(status_code=204)

    # --- control API --------------------------------------------------------------------------

    async def _json(self, request: Request) -> dict:
        try:
            return json.loads(await request.body() or b"{}", parse_float=Decimal)
        except ValueError:
            return {}

    async def control_state(self, request: Request) -> Response:
        with self.store.lock:
            body = {"orgs": {tenant_id: {
                "name": org["name"], "short_code": org["short_code"], "faults": org.get("faults") or {},
                "period_lock_date": org.get("period_lock_date"),
                "contacts": list(org["contacts"].values()), "invoices": list(org["invoices"].values()),
                "payments": list(org["payments"].values()), "journals": list(org["journals"].values()),
            } for tenant_id, org in self.store.orgs.items()},
                "grants": list(self.store.grants.values()), "connections": list(self.store.connections.values())}
            return XeroJSON(body)

    async def control_config(self, request: Request) -> Response:
        if request.method == "POST":
            values = await self._json(request)
            seed = values.pop("fault_seed", None)
            try:
                self.config.update(values)
            except KeyError as exc:
                return JSONResponse({"error": f"unknown setting {exc}"}, status_code=400)
            if seed is not None:
                self.dice.reseed(int(seed))
        return JSONResponse(self.config.as_dict())

    async def control_clock(self, request: Request) -> Response:
        self.clock.advance(float((await self._json(request)).get("seconds", 0)))
        return JSONResponse({"now": self.clock.now().isoformat()})

    async def control_clients(self, request: Request) -> Response:
        values = await self._json(request)
        with self.store.lock:
            self.store.clients[values["client_id"]] = {
                "client_id": values["client_id"], "client_secret": values["client_secret"],
                "name": values.get("name", values["client_id"]), "redirect_uris": values.get("redirect_uris", [])}
            self.store.changed()
        return JSONResponse(self.store.clients[values["client_id"]])

    async def control_mint_grant(self, request: Request) -> Response:
        values = await self._json(request)
        client = self.store.clients.get(values.get("client_id", "bms-demo"))
        if client is None:
            return JSONResponse({"error": "unknown client"}, status_code=400)
        user_id = values.get("user_id") or DEMO_USER["user_id"]
        if user_id not in self.store.users:
            self.store.users[user_id] = {"user_id": user_id, "given_name": values.get("given_name", "Test"),
                                         "family_name": values.get("family_name", "User"),
                                         "email": values.get("email", f"{user_id[:8]}@example.com")}
        tenants = values.get("tenant_ids") or list(self.store.orgs)
        scope = values.get("scope", "offline_access accounting.contacts accounting.invoices "
                                    "accounting.payments.read accounting.manualjournals accounting.settings.read "
                                    "openid profile email")
        with self.store.lock:
            tokens = self.identity.new_grant(client, user_id, scope, tenants)
        return JSONResponse(tokens)

    async def control_revoke(self, request: Request) -> Response:
        if request.path_params["grant_id"] not in self.store.grants:
            return JSONResponse({"error": "unknown grant"}, status_code=404)
        self.identity.revoke_grant(request.path_params["grant_id"])
        return JSONResponse({"revoked": True})

    async def control_expire(self, request: Request) -> Response:
        grant = self.store.grants.get(request.path_params["grant_id"])
        if grant is None:
            return JSONResponse({"error": "unknown grant"}, status_code=404)
        grant["access_not_before"] = self.clock.time() + 0.001  # every access token issued so far is expired
        return JSONResponse({"expired": True})

    async def control_faults(self, request: Request) -> Response:
        org = self.store.org(request.path_params["tenant_id"])
        if org is None:
            return JSONResponse({"error": "unknown tenant"}, status_code=404)
        with self.store.lock:
            faults = Faults() if request.method == "DELETE" else Faults(**{**(org.get("faults") or {}),
                                                                          **await self._json(request)})
            faults.save(org)
        return XeroJSON(org["faults"])

    async def control_lock_date(self, request: Request) -> Response:
        from xero_sandbox.xerodates import parse_date

        org = self.store.org(request.path_params["tenant_id"])
        if org is None:
            return JSONResponse({"error": "unknown tenant"}, status_code=404)
        with self.store.lock:
            org["period_lock_date"] = parse_date((await self._json(request)).get("date"))
            self.store.changed()
        return JSONResponse({"period_lock_date": ms_date(org["period_lock_date"])})

    async def control_payment(self, request: Request) -> Response:
        org = self.store.org(request.path_params["tenant_id"])
        if org is None:
            return JSONResponse({"error": "unknown tenant"}, status_code=404)
        values = await self._json(request)
        bank = next(a for a in org["accounts"].values() if a["Type"] == "BANK")
        element = {"Invoice": {"InvoiceID": values.get("invoice_id"), "InvoiceNumber": values.get("invoice_number")},
                   "Account": {"AccountID": bank["AccountID"]}, "Amount": values.get("amount"),
                   "Date": values.get("date"), "Reference": values.get("reference", "Paid in Xero")}
        req = Req(method="PUT", org=org, tenant_id=org["tenant_id"], client_id="sandbox", now=self.clock.now(),
                  query={})
        from xero_sandbox.common import ValidationFailedError

        try:
            with self.store.lock:
                result = payments.record_payment(req, element)
                self.store.changed()
        except ValidationFailedError as exc:
            return JSONResponse({"error": "; ".join(exc.messages)}, status_code=400)
        return XeroJSON(result)

    async def control_account(self, request: Request) -> Response:
        org = self.store.org(request.path_params["tenant_id"])
        account = next((a for a in (org or {}).get("accounts", {}).values()
                        if a["Code"] == request.path_params["code"]), None)
        if account is None:
            return JSONResponse({"error": "unknown account"}, status_code=404)
        with self.store.lock:
            for key, value in (await self._json(request)).items():
                if key in ("Status", "Name", "TaxType", "EnablePaymentsToAccount"):
                    account[key] = value
            account["UpdatedDateUTC"] = self.clock.now()
            self.store.changed()
        return XeroJSON(settings_endpoints.account_wire(account))

    async def control_log(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.store.log.clear()
            self.limits.reset()
            return JSONResponse({"cleared": True})
        tenant = request.query_params.get("tenant")
        entries = [e for e in list(self.store.log) if not tenant or e["tenant"] == tenant]
        counts: dict[str, int] = {}
        for e in entries:
            name = f"{e['method']} {e['path']} {e['tenant'][:8]}"
            counts[name] = counts.get(name, 0) + 1
        return JSONResponse({"entries": [{k: v for k, v in e.items() if k != "limit_headers"} for e in entries],
                             "counts": counts})

    # --- the read-only page -------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        sections = []
        with self.store.lock:
            for org in self.store.orgs.values():
                contacts_rows = "".join(
                    f"<tr><td>{html.escape(c['Name'])}</td><td>{html.escape(c.get('ContactNumber') or '')}</td>"
                    f"<td>{c.get('ContactStatus')}</td></tr>" for c in org["contacts"].values())
                invoice_rows = "".join(
                    f"<tr><td>{html.escape(i.get('InvoiceNumber') or '')}</td><td>{html.escape(i['Contact']['Name'])}"
                    f"</td><td>{i['Date']}</td><td class=n>{i['Total']}</td><td class=n>{i['AmountDue']}</td>"
                    f"<td>{i['Status']}</td></tr>"
                    for i in sorted(org["invoices"].values(), key=lambda i: i["UpdatedDateUTC"], reverse=True)[:200])
                journal_rows = "".join(
                    f"<tr><td>{j['Date']}</td><td>{html.escape(j['Narration'])}</td><td>{j['Status']}</td>"
                    f"<td class=n>{sum(line['LineAmount'] for line in j['JournalLines'] if line['LineAmount'] > 0)}"
                    f"</td></tr>" for j in org["journals"].values())
                payment_rows = "".join(
                    f"<tr><td>{p['Date']}</td><td>{html.escape(p['Invoice'].get('InvoiceNumber') or '')}</td>"
                    f"<td class=n>{p['Amount']}</td><td>{p['Status']}</td></tr>" for p in org["payments"].values())
                lock = org.get("period_lock_date")
                sections.append(f"""
<section><h2>{html.escape(org['name'])} <small>{org['short_code']} · {org['base_currency']}
 {f'· lock date {lock:%d/%m/%Y}' if lock else ''}</small></h2>
<h3>Contacts ({len(org['contacts'])})</h3><table><tr><th>Name</th><th>Contact code</th><th>Status</th></tr>
{contacts_rows}</table>
<h3>Invoices ({len(org['invoices'])})</h3><table><tr><th>Number</th><th>Contact</th><th>Date</th><th>Total</th>
<th>Due</th><th>Status</th></tr>{invoice_rows}</table>
<h3>Manual journals ({len(org['journals'])})</h3><table><tr><th>Date</th><th>Narration</th><th>Status</th>
<th>Debits</th></tr>{journal_rows}</table>
<h3>Payments ({len(org['payments'])})</h3><table><tr><th>Date</th><th>Invoice</th><th>Amount</th><th>Status</th>
</tr>{payment_rows}</table></section>""")
        return HTMLResponse(_page("Xero sandbox", "<h1>Local Xero sandbox</h1><p class=muted>What has arrived "
                                  "&ldquo;in Xero&rdquo;. This page is read-only.</p>" + "".join(sections)))


def _iso(timestamp: float) -> str:
    """RFC 3339, as the identity description's `format: date-time` requires. (Its own example, like
    live Xero, leaves the zone off; clients must accept both, and BMS does.)"""
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _page(title: str, body: str) -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;color:#1f2933;background:#f5f7fa}}
h1{{color:#13b5ea}}section,.consent{{background:#fff;border:1px solid #e4e7eb;border-radius:6px;padding:1rem 1.5rem;
margin-bottom:1rem;max-width:1100px}}table{{border-collapse:collapse;width:100%;margin-bottom:1rem}}
td,th{{border-bottom:1px solid #e4e7eb;padding:.3rem .5rem;text-align:left;font-size:.9rem}}td.n{{text-align:right}}
.muted,small{{color:#616e7c}}.org{{display:block;padding:.4rem 0}}.error{{color:#b42318}}
button{{font:inherit;padding:.5rem 1rem;border-radius:4px;border:1px solid #cbd2d9;background:#fff;cursor:pointer}}
button.allow{{background:#13b5ea;border-color:#13b5ea;color:#fff}}</style></head><body>{body}</body></html>"""
