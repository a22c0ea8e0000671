"""The road every Accounting API call travels, in Xero's order:

body size → bearer token → tenant → scope → organisation offline → rate limits (and 429
storms) → Idempotency-Key → latency, random 500/503 → body parsing → the endpoint, under the
store lock → remembered for the key → possibly dropped after the commit.

Every answer carries the rate-limit headers once the call reached the limiter; nothing a client
sends can crash it (an unexpected error is a logged 500 in Xero's shape)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response

from xero_sandbox.accounting import Endpoint, scope_allows
from xero_sandbox.accounting.request import Req
from xero_sandbox.errors import ApiError, post_data_invalid, problem
from xero_sandbox.faults import Faults
from xero_sandbox.idempotency import MAX_KEY_LENGTH, Remembered, fingerprint
from xero_sandbox.jsonout import XeroJSON
from xero_sandbox.roles import role_refusal

if TYPE_CHECKING:
    from xero_sandbox.app import Sandbox

logger = logging.getLogger("xero_sandbox")
HARD_BODY_CAP = 64 * 1024 * 1024  # past this we stop reading an oversized body at all


class ResponseDroppedError(ConnectionAbortedError):
    """Raised on purpose to cut a connection after the write committed."""


class DroppedResponse(Response):
    """Starts an answer and cuts the connection: the client sees a broken response although the
    write has committed (xero-notes trap 1)."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})
        await send({"type": "http.response.body", "body": b'{"Id":', "more_body": True})
        raise ResponseDroppedError("sandbox fault: response dropped after commit")


class _QuietDrops(logging.Filter):
    """uvicorn logs the deliberate drop as an application error; it is not one."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ResponseDroppedError))


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


async def read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is over `limit` (read to the end up to a hard cap, so that the
    client gets to read our 413 instead of a reset)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > HARD_BODY_CAP:
        return None
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size <= limit:
                chunks.append(chunk)
            elif size > HARD_BODY_CAP:
                break
    except ClientDisconnect:
        return b""
    return None if size > limit else b"".join(chunks)


def parse_json_body(content_type: str, raw: bytes) -> object:
    if not raw.strip():
        return None
    if "json" not in content_type.lower():
        raise problem(415, "Unsupported Media Type", "Send the request body as application/json")
    try:
        return json.loads(raw, parse_float=Decimal)
    except (ValueError, RecursionError):
        raise post_data_invalid("The request body is not valid JSON") from None


def _answer(error: ApiError, headers: dict[str, str]) -> Response:
    extra = {**error.headers, **headers}
    if error.content_type == "application/json":
        return XeroJSON(error.body, status_code=error.status, headers=extra)
    return PlainTextResponse(str(error.body), status_code=error.status, headers=extra)


class AccountingPipeline:
    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox

    def endpoint(self, routes: dict[str, Endpoint]) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            return await self.handle(request, routes[request.method])

        return handle

    async def handle(self, request: Request, endpoint: Endpoint) -> Response:
        sandbox = self.sandbox
        tenant_id = request.headers.get("xero-tenant-id", "").strip()
        entry = sandbox.log.add({
            "at": sandbox.clock.time(), "done": None, "method": request.method, "path": request.url.path,
            "query": request.url.query,
            "endpoint": endpoint.name, "tenant": tenant_id, "client_id": None, "status": None, "problem": None,
            "admitted": False, "idempotency_key": request.headers.get("idempotency-key"),
        })
        raw = b""
        try:
            response, raw = await self._run(request, endpoint, tenant_id, entry)
        except Exception:
            # Never crash on input: whatever went wrong is Xero's 500, and the sandbox's log shows why.
            logger.exception("Unexpected error in %s %s", request.method, request.url.path)
            error = problem(500, "An error occurred", "An error occurred in Xero. Check the API Status page "
                                                      "http://status.developer.xero.com for current service status.")
            response = XeroJSON(error.body, status_code=500)
        finally:
            if entry["admitted"]:
                sandbox.limits.release(entry["client_id"], tenant_id)
            entry["done"] = sandbox.clock.time()
        entry["status"] = response.status_code
        if sandbox.config.record_traffic:  # a dropped answer too: its request still reached Xero
            sandbox.record(request, raw, response, "accounting", dropped=isinstance(response, DroppedResponse))
        return response

    async def _run(self, request: Request, endpoint: Endpoint, tenant_id: str, entry: dict
                   ) -> tuple[Response, bytes]:
        headers: dict[str, str] = {}  # the rate-limit headers, on every answer once the limiter saw the call
        raw = await read_body(request, self.sandbox.config.max_body_bytes)
        if raw is None:
            return _answer(ApiError(413, "Request Entity Too Large: the request body is over 3.5 MB",
                                    "text/plain"), headers), b""
        admitted = self._admit(request, endpoint, tenant_id, entry, headers)
        if isinstance(admitted, ApiError):
            return _answer(admitted, headers), raw
        org, client_id, faults = admitted
        key = request.headers.get("idempotency-key") if endpoint.keyed else None
        if key is not None and not 0 < len(key) <= MAX_KEY_LENGTH:
            return _answer(ApiError(400, {"ErrorNumber": 10, "Type": "ValidationException",
                                          "Message": "The Idempotency-Key header must be 1 to 128 characters"}),
                           headers), raw
        if key is None:
            return await self._process(request, endpoint, org, tenant_id, client_id, raw, faults, entry, headers), raw
        return await self._process_once(request, endpoint, org, tenant_id, client_id, raw, faults, entry, headers,
                                        key), raw

    def _admit(self, request: Request, endpoint: Endpoint, tenant_id: str, entry: dict, headers: dict[str, str]
               ) -> ApiError | tuple[dict, str, Faults]:
        """Token, tenant, scope, an organisation offline, the rate limits and 429 storms: the refusal
        to answer with, or the call's organisation, client id and faults."""
        sandbox = self.sandbox
        authorization = request.headers.get("authorization", "")
        if authorization[:7].lower() != "bearer ":
            return problem(401, "Unauthorized", "AuthenticationUnsuccessful", {"WWW-Authenticate": "Bearer"})
        grant, token_problem, scopes = sandbox.identity.grant_for_access_token(authorization[7:].strip())
        if grant is None:
            return problem(401, "Unauthorized", token_problem, {"WWW-Authenticate": "Bearer"})
        client_id = entry["client_id"] = grant["client_id"]
        with sandbox.store.lock:
            org = sandbox.store.org(tenant_id) if tenant_id else None
            connected = org is not None and any(c["tenant_id"] == tenant_id
                                                for c in sandbox.identity.connections(grant["grant_id"]))
        if not connected:
            return problem(403, "Forbidden", "AuthenticationUnsuccessful")
        # A scope taken away from the grant (the control API's stand-in for a consent that never had
        # it, e.g. a granular scope asked after the grant was made) counts for tokens already issued.
        held = scopes & set(grant["scope"].split())
        if sandbox.config.enforce_scopes and not scope_allows(held, endpoint.family, write=endpoint.writes):
            entry["problem"] = "insufficient_scope"
            return problem(401, "Unauthorized", "AuthenticationUnsuccessful", {
                "WWW-Authenticate": 'Bearer error="insufficient_scope"'})
        denied = role_refusal(org, grant["user_id"], endpoint.family, write=endpoint.writes)
        if denied is not None:
            entry["problem"] = "not_permitted"
            return denied
        faults = sandbox.faults_for(org)
        if faults.offline:
            entry["problem"] = "offline"
            return ApiError(503, "The Organisation is offline", "text/plain")
        verdict = sandbox.limits.admit(client_id, tenant_id)
        headers.update(verdict.headers())
        if not verdict.allowed:
            entry["problem"] = verdict.problem
            limit_headers = {"X-Rate-Limit-Problem": verdict.problem or "minute"}
            if verdict.retry_after is not None:
                limit_headers["Retry-After"] = str(verdict.retry_after)
            return problem(429, "Too Many Requests", f"The {verdict.problem} rate limit was exceeded", limit_headers)
        entry["admitted"] = True
        if sandbox.take_storm(org):
            entry["problem"] = "storm"
            return problem(429, "Too Many Requests", "The minute rate limit was exceeded",
                           {"X-Rate-Limit-Problem": "minute", "Retry-After": "1"})
        return org, client_id, faults

    async def _process_once(self, request: Request, endpoint: Endpoint, org: dict, tenant_id: str, client_id: str,
                            raw: bytes, faults: Faults, entry: dict, headers: dict[str, str], key: str) -> Response:
        """A call with an Idempotency-Key: a repeat gets the remembered answer; a processed write may
        then lose its answer on the way back (the drop fault)."""
        sandbox = self.sandbox
        print_ = fingerprint(tenant_id=tenant_id, method=request.method, path=request.url.path,
                             query=str(request.url.query), body=raw)
        outcome = await sandbox.idempotency.begin(client_id, key, print_)
        if isinstance(outcome, str):
            return _answer(ApiError(400, {"ErrorNumber": 10, "Type": "ValidationException", "Message": outcome}),
                           headers)
        if isinstance(outcome, Remembered):
            entry["problem"] = "replayed"
            return Response(outcome.body, status_code=outcome.status, media_type=outcome.media_type,
                            headers={**outcome.headers, **headers})
        remembered: Remembered | None = None
        try:
            response = await self._process(request, endpoint, org, tenant_id, client_id, raw, faults, entry, headers)
            if response.status_code != 503:  # not processed: a retry with the key must be processed
                remembered = Remembered(response.status_code, bytes(response.body), response.media_type or "",
                                        {k: v for k, v in response.headers.items()
                                         if k.lower() not in ("content-length",) and not k.lower().startswith("x-")})
        finally:
            sandbox.idempotency.finish(client_id, key, remembered)
        if endpoint.writes and response.status_code == 200 and sandbox.dice.roll(faults.drop_rate):
            entry["problem"] = "dropped"
            return DroppedResponse()
        return response

    async def _latency(self, org: dict, seconds: float) -> None:
        """The time Xero takes to answer; cut short when the latency fault is cleared, so a test can
        hold calls in flight (to show the concurrent limit) and let them go without waiting."""
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while (left := end - loop.time()) > 0:
            await asyncio.sleep(min(left, 0.05))
            if not self.sandbox.faults_for(org).latency_ms:
                return

    async def _process(self, request: Request, endpoint: Endpoint, org: dict, tenant_id: str, client_id: str,
                       raw: bytes, faults: Faults, entry: dict, headers: dict[str, str]) -> Response:
        """From the injected latency to the endpoint's answer."""
        sandbox = self.sandbox
        if faults.latency_ms:
            await self._latency(org, faults.latency_ms / 1000)
        if sandbox.dice.roll(faults.error_500_rate):
            entry["problem"] = "error_500"
            error = problem(500, "An error occurred", "An error occurred in Xero. Check the API Status page "
                                                      "http://status.developer.xero.com for current service status.")
            return XeroJSON(error.body, status_code=500, headers=headers)
        if sandbox.dice.roll(faults.error_503_rate):
            entry["problem"] = "error_503"
            return PlainTextResponse("The Xero API is temporarily unavailable", status_code=503, headers=headers)
        try:
            body = parse_json_body(request.headers.get("content-type", ""), raw) if endpoint.writes else None
            req = Req(method=request.method, org=org, tenant_id=tenant_id, client_id=client_id,
                      now=sandbox.clock.now(), query={k.lower(): v for k, v in request.query_params.items()},
                      body=body, path_params=dict(request.path_params),
                      headers={k.lower(): v for k, v in request.headers.items()})
            with sandbox.store.lock:
                status, result = endpoint.handler(req)
                if endpoint.writes:
                    sandbox.store.changed()
        except ApiError as error:
            if error.content_type == "application/json":
                return XeroJSON(error.body, status_code=error.status, headers={**error.headers, **headers})
            return PlainTextResponse(str(error.body), status_code=error.status, headers={**error.headers, **headers})
        response = XeroJSON(result, status_code=status, headers=headers)
        # A write without an Idempotency-Key is dropped here; a keyed one only once its answer is
        # remembered, so that the retry replays it as Xero would.
        if endpoint.writes and status == 200 and not (endpoint.keyed and "idempotency-key" in request.headers) \
                and sandbox.dice.roll(faults.drop_rate):
            entry["problem"] = "dropped"
            return DroppedResponse()
        return response
