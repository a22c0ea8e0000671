"""The control API under /_sandbox/: what tests, benchmarks and the demo use to set the stage and
look behind it. Not part of Xero. Answers JSON; bad input is a 400 `{"error": …}`, an unknown
tenant, grant or account a 404.

    GET    /_sandbox/                              this list
    GET    /_sandbox/state                         every organisation's data, grants, connections
    GET    /_sandbox/config  POST (settings)       settings (`fault_seed` reseeds the fault dice)
    GET    /_sandbox/clock   POST /clock/advance   the sandbox clock; {"seconds": n} moves it on
    GET    /_sandbox/clients POST (client)         OAuth clients {client_id, client_secret?, name?, redirect_uris}
    GET    /_sandbox/grants  POST (mint)           grants; POST mints one without the consent page:
                                                   {client_id?, tenant_ids?, scope?, user_id?, given_name?,
                                                    family_name?, email?} → the token answer (+ grant_id)
    POST   /_sandbox/grants/{id}/revoke            revoke a grant (its connections go too)
    POST   /_sandbox/grants/{id}/expire-tokens     expire its access tokens now ({"refresh": true}: refresh too)
    POST   /_sandbox/grants/{id}/scope, /_sandbox/tenants/{id}/disconnect, /_sandbox/tenants/{id}/roles
                                                   a connection refused as Xero refuses it: control_connections.py
    POST   /_sandbox/tenants                       a new organisation like the seeded one of a country:
                                                   {key, name?, country? ("AU" | "NZ")} → {tenant_id, name}
                                                   (the same key gives the same tenant id; repeating it is a 409)
    GET|POST|DELETE /_sandbox/faults               faults for every tenant
    GET|POST|DELETE /_sandbox/identity/faults      faults of the token endpoint
    GET|POST|DELETE /_sandbox/tenants/{id}/faults  faults for one tenant
    POST   /_sandbox/tenants/{id}/lock-date        {"date": "2026-04-30" | null}
    POST   /_sandbox/tenants/{id}/payments         a customer's payment made in Xero: {invoice_id | invoice_number,
                                                   amount, date?, reference?, account_code?}
    POST   /_sandbox/tenants/{id}/payments/{payment_id}/delete   a payment deleted in Xero (reversed)
    POST   /_sandbox/tenants/{id}/plant            plant a difference (plant.py): {collection, action
                                                   (change | remove | copy), ref, fields?}
    POST   /_sandbox/tenants/{id}/accounts/{code}  change an account: {Status?, Name?, TaxType?,
                                                   EnablePaymentsToAccount?}
    POST   /_sandbox/tenants/{id}/tracking         add or archive tracking: {category, option?, status?,
                                                   category_status?} (control_tracking.py)
    POST   /_sandbox/tenants/{id}/contacts/{contact_id}/status|merge, /_sandbox/tenants/{id}/currencies
                                                   what a person does in Xero: control_contacts.py
    GET    /_sandbox/log  DELETE                   the request log (?tenant=, ?identity=true) with its summary;
                                                   DELETE clears it and the limit counters
    GET    /_sandbox/traffic                       recorded exchanges (with record_traffic)
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from xero_sandbox.accounting.organisation import account_wire
from xero_sandbox.accounting.payments import delete_payment, record_payment
from xero_sandbox.accounting.request import Req
from xero_sandbox.control_tracking import TrackingHookError, tracking_seed
from xero_sandbox.errors import ValidationFailedError
from xero_sandbox.faults import Faults, IdentityFaults
from xero_sandbox.jsonout import XeroJSON
from xero_sandbox.plant import PlantError, plant
from xero_sandbox.requestlog import summary
from xero_sandbox.seed import DEMO_USER, new_org
from xero_sandbox.xerodates import BadDateError, ms_date, parse_date

if TYPE_CHECKING:
    from xero_sandbox.app import Sandbox

DEFAULT_SCOPE = ("offline_access openid profile email accounting.settings accounting.contacts accounting.invoices "
                 "accounting.payments accounting.manualjournals")
ACCOUNT_STATUSES = {"ACTIVE", "ARCHIVED"}


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _json(request: Request) -> dict:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw, parse_float=Decimal)
    except (ValueError, RecursionError):
        raise ControlError("the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ControlError("send a JSON object")
    return value


def _handled(handler):
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except ControlError as exc:
            return _error(exc.message, exc.status)

    return endpoint


class ControlAPI:
    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox

    def routes(self) -> list[Route]:
        table = [
            ("/_sandbox/", self.index, ["GET"]), ("/_sandbox/state", self.state, ["GET"]),
            ("/_sandbox/config", self.config, ["GET", "POST"]),
            ("/_sandbox/clock", self.clock, ["GET"]),
            ("/_sandbox/clock/advance", self.clock_advance, ["POST"]),
            ("/_sandbox/clients", self.clients, ["GET", "POST"]),
            ("/_sandbox/grants", self.grants, ["GET", "POST"]),
            ("/_sandbox/grants/{grant_id}/revoke", self.revoke, ["POST"]),
            ("/_sandbox/grants/{grant_id}/expire-tokens", self.expire, ["POST"]),
            ("/_sandbox/faults", self.sandbox_faults, ["GET", "POST", "DELETE"]),
            ("/_sandbox/identity/faults", self.identity_faults, ["GET", "POST", "DELETE"]),
            ("/_sandbox/tenants", self.tenants, ["POST"]),
            ("/_sandbox/tenants/{tenant_id}/faults", self.tenant_faults, ["GET", "POST", "DELETE"]),
            ("/_sandbox/tenants/{tenant_id}/lock-date", self.lock_date, ["POST"]),
            ("/_sandbox/tenants/{tenant_id}/payments", self.payment, ["POST"]),
            ("/_sandbox/tenants/{tenant_id}/payments/{payment_id}/delete", self.delete_payment, ["POST"]),
            ("/_sandbox/tenants/{tenant_id}/accounts/{code}", self.account, ["POST"]),
            ("/_sandbox/tenants/{tenant_id}/tracking", self.tracking, ["POST"]),
            ("/_sandbox/tenants/{tenant_id}/plant", self.plant, ["POST"]),
            ("/_sandbox/log", self.log, ["GET", "DELETE"]),
            ("/_sandbox/traffic", self.traffic, ["GET"]),
        ]
        return [Route(path, _handled(handler), methods=methods) for path, handler, methods in table]

    def _org(self, request: Request) -> dict:
        org = self.sandbox.store.org(request.path_params["tenant_id"])
        if org is None:
            raise ControlError("unknown tenant", 404)
        return org

    async def index(self, request: Request) -> Response:
        return JSONResponse({"endpoints": [line.strip() for line in (__doc__ or "").splitlines()
                                           if line.strip().startswith(("GET", "POST", "DELETE"))]})

    async def state(self, request: Request) -> Response:
        sandbox = self.sandbox
        with sandbox.store.lock:
            body = {"orgs": {tenant_id: {
                "tenant_id": tenant_id, "name": org["name"], "short_code": org["short_code"],
                "country_code": org["country_code"], "faults": org.get("faults") or {},
                "period_lock_date": org.get("period_lock_date"),
                "accounts": list(org["accounts"].values()), "tax_rates": list(org["tax_rates"].values()),
                "contacts": list(org["contacts"].values()), "invoices": list(org["invoices"].values()),
                "payments": list(org["payments"].values()), "journals": list(org["journals"].values()),
                "credit_notes": list(org.get("credit_notes", {}).values()),
                "tracking": [{**c, "Options": list(c["Options"].values())} for c in org.get("tracking", {}).values()],
            } for tenant_id, org in sandbox.store.orgs.items()},
                "clients": [{k: v for k, v in c.items() if k != "client_secret"}
                            for c in sandbox.store.clients.values()],
                "grants": list(sandbox.store.grants.values()),
                "connections": list(sandbox.store.connections.values()), "now": sandbox.clock.time()}
            return XeroJSON(body)

    async def config(self, request: Request) -> Response:
        if request.method == "POST":
            values = await _json(request)
            seed = values.pop("fault_seed", None)
            try:
                self.sandbox.config.update(values)
                if seed is not None:
                    self.sandbox.dice.reseed(int(seed))
            except (ValueError, TypeError) as exc:
                raise ControlError(str(exc)) from None
        return JSONResponse(self.sandbox.config.as_dict())

    async def clock(self, request: Request) -> Response:
        clock = self.sandbox.clock
        return JSONResponse({"now": clock.now().isoformat(), "time": clock.time(), "offset_s": clock.offset})

    async def clock_advance(self, request: Request) -> Response:
        seconds = (await _json(request)).get("seconds", 0)
        if isinstance(seconds, bool) or not isinstance(seconds, int | Decimal | float) or seconds < 0:
            raise ControlError("seconds must be a number, zero or more")
        self.sandbox.clock.advance(float(seconds))
        return await self.clock(request)

    async def clients(self, request: Request) -> Response:
        store = self.sandbox.store
        if request.method == "GET":
            return JSONResponse([{k: v for k, v in c.items() if k != "client_secret"} for c in store.clients.values()])
        values = await _json(request)
        client_id, secret, uris = values.get("client_id"), values.get("client_secret"), values.get("redirect_uris", [])
        if not isinstance(client_id, str) or not client_id:
            raise ControlError("client_id is required")
        if secret is not None and not isinstance(secret, str):
            raise ControlError("client_secret must be text (leave it out for a PKCE client)")
        if not isinstance(uris, list) or not all(isinstance(u, str) and u.startswith(("http://", "https://"))
                                                 for u in uris):
            raise ControlError("redirect_uris must be a list of absolute http(s) URLs")
        with store.lock:
            store.clients[client_id] = {"client_id": client_id, "client_secret": secret or None,
                                        "name": str(values.get("name") or client_id), "redirect_uris": list(uris)}
            store.changed()
        return JSONResponse({k: v for k, v in store.clients[client_id].items() if k != "client_secret"})

    async def grants(self, request: Request) -> Response:
        sandbox = self.sandbox
        if request.method == "GET":
            with sandbox.store.lock:
                return JSONResponse(list(sandbox.store.grants.values()))
        values = await _json(request)
        client = sandbox.store.clients.get(str(values.get("client_id") or "bms-demo"))
        if client is None:
            raise ControlError("unknown client")
        tenants = values.get("tenant_ids") or list(sandbox.store.orgs)
        if not isinstance(tenants, list) or any(t not in sandbox.store.orgs for t in tenants):
            raise ControlError("tenant_ids must list known tenants")
        scope = values.get("scope", DEFAULT_SCOPE)
        if not isinstance(scope, str):
            raise ControlError("scope must be a space-separated string")
        user_id = str(values.get("user_id") or DEMO_USER["user_id"])
        with sandbox.store.lock:
            sandbox.store.users.setdefault(user_id, {
                "user_id": user_id, "given_name": str(values.get("given_name", "Test")),
                "family_name": str(values.get("family_name", "User")),
                "email": str(values.get("email", f"{user_id[:8]}@example.com"))})
            tokens = sandbox.identity.new_grant(client, user_id, scope, tenants)
            grant_id = next(g["grant_id"] for g in sandbox.store.grants.values()
                            if g["client_id"] == client["client_id"] and g["user_id"] == user_id and not g["revoked"])
        return JSONResponse({**tokens, "grant_id": grant_id})

    async def tenants(self, request: Request) -> Response:
        values = await _json(request)
        key, country = values.get("key"), values.get("country", "AU")
        if not isinstance(key, str) or not key.strip():
            raise ControlError("key is required (it names the organisation and fixes its tenant id)")
        if country not in ("AU", "NZ"):
            raise ControlError("country must be AU or NZ")
        name = str(values.get("name") or f"Organisation {key}")
        store = self.sandbox.store
        with store.lock:
            org = new_org(key.strip(), name, country, self.sandbox.clock.now().replace(microsecond=0))
            if org["tenant_id"] in store.orgs:
                raise ControlError("an organisation with that key exists already", 409)
            store.orgs[org["tenant_id"]] = org
            store.changed()
        return JSONResponse({"tenant_id": org["tenant_id"], "name": name, "country_code": country})

    def _grant(self, request: Request) -> str:
        grant_id = request.path_params["grant_id"]
        if grant_id not in self.sandbox.store.grants:
            raise ControlError("unknown grant", 404)
        return grant_id

    async def revoke(self, request: Request) -> Response:
        self.sandbox.identity.revoke_grant(self._grant(request))
        return JSONResponse({"revoked": True})

    async def expire(self, request: Request) -> Response:
        refresh = (await _json(request)).get("refresh", False) is True
        self.sandbox.identity.expire_tokens(self._grant(request), refresh=refresh)
        return JSONResponse({"expired": True, "refresh": refresh})

    async def sandbox_faults(self, request: Request) -> Response:
        sandbox = self.sandbox
        if request.method != "GET":
            try:
                sandbox.faults = Faults() if request.method == "DELETE" else Faults.parse(
                    await _json(request), sandbox.faults)
            except ValueError as exc:
                raise ControlError(str(exc)) from None
        return JSONResponse(sandbox.faults.as_dict())

    async def identity_faults(self, request: Request) -> Response:
        sandbox = self.sandbox
        if request.method != "GET":
            try:
                sandbox.identity_faults = IdentityFaults() if request.method == "DELETE" else IdentityFaults.parse(
                    await _json(request), sandbox.identity_faults)
            except ValueError as exc:
                raise ControlError(str(exc)) from None
        return JSONResponse(sandbox.identity_faults.as_dict())

    async def tenant_faults(self, request: Request) -> Response:
        org = self._org(request)
        if request.method != "GET":
            values = await _json(request)
            with self.sandbox.store.lock:
                try:
                    faults = Faults() if request.method == "DELETE" else Faults.parse(values, Faults.of(org))
                except ValueError as exc:
                    raise ControlError(str(exc)) from None
                faults.save(org)
                self.sandbox.store.changed()
        return JSONResponse(Faults.of(org).as_dict())

    async def lock_date(self, request: Request) -> Response:
        org = self._org(request)
        values = await _json(request)
        try:
            lock = parse_date(values.get("date"))
        except BadDateError as exc:
            raise ControlError(str(exc)) from None
        with self.sandbox.store.lock:
            org["period_lock_date"] = lock
            self.sandbox.store.changed()
        return JSONResponse({"period_lock_date": ms_date(lock)})

    def _as_xero_user(self, org: dict, method: str, action):
        """Do what a person in Xero would, through the same rules the API applies (call under the lock)."""
        req = Req(method=method, org=org, tenant_id=org["tenant_id"], client_id="xero", now=self.sandbox.clock.now(),
                  query={})
        try:
            result = action(req)
        except ValidationFailedError as exc:
            raise ControlError("; ".join(exc.messages)) from None
        self.sandbox.store.changed()
        return result

    async def payment(self, request: Request) -> Response:
        sandbox = self.sandbox
        org = self._org(request)
        values = await _json(request)
        with sandbox.store.lock:
            code = values.get("account_code")
            bank = next((a for a in org["accounts"].values() if (a["Code"] == code if code else a["Type"] == "BANK")
                         and a["Status"] == "ACTIVE"), None)
            if bank is None:
                raise ControlError("no such active account to pay into")
            element = {"Invoice": {"InvoiceID": values.get("invoice_id"),
                                   "InvoiceNumber": values.get("invoice_number")},
                       "Account": {"AccountID": bank["AccountID"]}, "Amount": values.get("amount"),
                       "Date": values.get("date"), "Reference": values.get("reference", "Paid in Xero")}
            result = self._as_xero_user(org, "PUT", lambda req: record_payment(req, element))
        return XeroJSON(result)

    async def delete_payment(self, request: Request) -> Response:
        sandbox = self.sandbox
        org = self._org(request)
        with sandbox.store.lock:
            payment = org["payments"].get(request.path_params["payment_id"])
            if payment is None:
                raise ControlError("unknown payment", 404)
            result = self._as_xero_user(org, "POST", lambda req: delete_payment(req, payment))
        return XeroJSON(result)

    async def account(self, request: Request) -> Response:
        sandbox = self.sandbox
        org = self._org(request)
        values = await _json(request)
        account = next((a for a in org["accounts"].values() if a["Code"] == request.path_params["code"]), None)
        if account is None:
            raise ControlError("unknown account", 404)
        if "Status" in values and values["Status"] not in ACCOUNT_STATUSES:
            raise ControlError("Status must be ACTIVE or ARCHIVED")
        if "TaxType" in values and values["TaxType"] not in org["tax_rates"]:
            raise ControlError("unknown TaxType")
        with sandbox.store.lock:
            for key in ("Status", "Name", "TaxType", "EnablePaymentsToAccount"):
                if key in values:
                    account[key] = values[key] if key != "EnablePaymentsToAccount" else bool(values[key])
            account["UpdatedDateUTC"] = sandbox.clock.now()
            sandbox.store.changed()
        return XeroJSON(account_wire(account))

    async def tracking(self, request: Request) -> Response:
        org = self._org(request)
        values = await _json(request)
        with self.sandbox.store.lock:
            try:
                category = tracking_seed(org, values)
            except TrackingHookError as exc:
                raise ControlError(str(exc)) from None
            self.sandbox.store.changed()
        return XeroJSON(category)

    async def plant(self, request: Request) -> Response:
        org = self._org(request)
        values = await _json(request)
        with self.sandbox.store.lock:
            try:
                record = plant(org, values, self.sandbox.clock.now())
            except PlantError as exc:
                raise ControlError(str(exc)) from None
            self.sandbox.store.changed()
            return JSONResponse({"planted": values.get("action"), "id": next(
                (record[key] for key in ("InvoiceID", "ContactID", "ManualJournalID") if key in record), None)})

    async def log(self, request: Request) -> Response:
        sandbox = self.sandbox
        if request.method == "DELETE":
            sandbox.log.clear()
            sandbox.limits.reset()
            return JSONResponse({"cleared": True})
        identity = request.query_params.get("identity", "").lower() == "true"
        entries = sandbox.log.select(request.query_params.get("tenant"), identity=identity)
        return JSONResponse({"entries": entries, "summary": summary(entries, sandbox.limits,
                                                                    sandbox.config.minute_s, sandbox.config.day_s)})

    async def traffic(self, request: Request) -> Response:
        exchanges = [{**e, "request_body": e["request_body"].decode(errors="replace"),
                      "body": e["body"].decode(errors="replace")} for e in list(self.sandbox.store.traffic)]
        return JSONResponse(exchanges)
