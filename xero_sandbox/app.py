"""The sandbox: Xero's identity service, the Accounting API under /api.xro/2.0/, the control API
under /_sandbox/ and a read-only page at / showing what arrived "in Xero", on one port.

`Sandbox(data_dir, config)` builds it all; `sandbox.app` is the ASGI application."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from xero_sandbox.accounting import ENDPOINTS, Endpoint
from xero_sandbox.clock import Clock
from xero_sandbox.config import SandboxConfig
from xero_sandbox.control import ControlAPI
from xero_sandbox.control_connections import ConnectionControl
from xero_sandbox.control_contacts import ContactControl
from xero_sandbox.control_credit_notes import CreditNoteControl
from xero_sandbox.errors import not_found
from xero_sandbox.faults import Dice, Faults, IdentityFaults
from xero_sandbox.idempotency import Idempotency
from xero_sandbox.identity import Identity, Signer
from xero_sandbox.jsonout import XeroJSON
from xero_sandbox.limits import Limits
from xero_sandbox.oauth import OAuthEndpoints
from xero_sandbox.pages import (
    contact_page,
    credit_note_page,
    index_page,
    invoice_page,
    journal_page,
    missing_page,
)
from xero_sandbox.pipeline import AccountingPipeline
from xero_sandbox.requestlog import RequestLog
from xero_sandbox.seed import seed_state
from xero_sandbox.store import Store

API_PREFIX = "/api.xro/2.0"


class Sandbox:
    def __init__(self, data_dir: Path | None = None, config: SandboxConfig | None = None):
        self.config = config or SandboxConfig()
        self.clock = Clock()
        self.data_dir = data_dir
        self.store = Store(data_dir if self.config.persist else None, self.config.flush_interval_s)
        if not self.store.load():
            seed_state(self.store)
            self.store.save()
        self.signer = Signer.load_or_create(data_dir if self.config.persist else None)
        self.identity = Identity(self.store, self.config, self.clock, self.signer)
        self.limits = Limits(self.config, self.clock)
        self.idempotency = Idempotency(self.store, self.clock, self.config)
        self.log = RequestLog(self.config.log_limit)
        self.dice = Dice()
        self.faults = Faults()  # for every tenant, on top of each tenant's own
        self.identity_faults = IdentityFaults()
        self.app = Starlette(routes=self._routes(), lifespan=self._lifespan)
        self.store.start_flusher()

    @asynccontextmanager
    async def _lifespan(self, app: Starlette):
        yield
        self.store.close()  # the last changes reach the data folder

    def _routes(self) -> list[Route]:
        pipeline = AccountingPipeline(self)
        by_path: dict[str, dict[str, Endpoint]] = {}
        for endpoint in ENDPOINTS:
            by_path.setdefault(endpoint.path, {})[endpoint.method] = endpoint
        accounting = [Route(API_PREFIX + path, pipeline.endpoint(methods), methods=list(methods))
                      for path, methods in by_path.items()]
        return [
            Route("/", self.index, methods=["GET"]),
            # Where "View in Xero" links land (bms/xero/view_in_xero.py; xero-notes §6.3).
            Route("/app/{short_code}/invoicing/view/{record_id}", self.invoice_view, methods=["GET"]),
            Route("/app/{short_code}/contacts/contact/{record_id}", self.contact_view, methods=["GET"]),
            Route("/Journal/View.aspx", self.journal_view, methods=["GET"]),
            Route("/organisationlogin/default.aspx", self.deep_link_view, methods=["GET"]),
            *OAuthEndpoints(self).routes(),
            *accounting,
            Route(API_PREFIX + "/{rest:path}", self.unknown_api, methods=["GET", "PUT", "POST", "DELETE", "PATCH"]),
            *ControlAPI(self).routes(),
            *ContactControl(self).routes(),
            *ConnectionControl(self).routes(),
            *CreditNoteControl(self).routes(),
        ]

    # --- used by the pipeline and the control API ----------------------------------------------------

    def faults_for(self, org: dict) -> Faults:
        with self.store.lock:
            return self.faults.combined(Faults.of(org))

    def take_storm(self, org: dict) -> bool:
        """Spend one 429 of a storm (the tenant's first, then the sandbox-wide one)."""
        with self.store.lock:
            tenant = Faults.of(org)
            if tenant.storm_429 > 0:
                tenant.storm_429 -= 1
                tenant.save(org)
                return True
            if self.faults.storm_429 > 0:
                self.faults.storm_429 -= 1
                return True
            return False

    def record(self, request: Request, raw: bytes, response: Response, spec: str, *, dropped: bool = False) -> None:
        """Keep one exchange for the contract tests (never the Authorization header). A `dropped`
        one has a request to check but no answer the client saw."""
        self.store.traffic.append({
            "spec": spec, "method": request.method, "path": request.url.path, "query": dict(request.query_params),
            "headers": {k: v for k, v in request.headers.items() if k.lower() != "authorization"},
            "request_body": raw, "status": response.status_code,
            "content_type": response.headers.get("content-type", ""), "body": bytes(response.body),
            "response_headers": dict(response.headers), "dropped": dropped,
        })

    # --- pages -----------------------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        with self.store.lock:
            return HTMLResponse(index_page(list(self.store.orgs.values())))

    def _org_by_short_code(self, short_code: str) -> dict | None:
        return next((org for org in self.store.orgs.values() if org["short_code"] == short_code), None)

    async def invoice_view(self, request: Request) -> Response:
        with self.store.lock:
            org = self._org_by_short_code(request.path_params["short_code"])
            invoice = org["invoices"].get(request.path_params["record_id"]) if org else None
            if org is None or invoice is None:
                return HTMLResponse(missing_page("No invoice with this id in this organisation."), status_code=404)
            return HTMLResponse(invoice_page(org, invoice))

    async def contact_view(self, request: Request) -> Response:
        with self.store.lock:
            org = self._org_by_short_code(request.path_params["short_code"])
            contact = org["contacts"].get(request.path_params["record_id"]) if org else None
            if org is None or contact is None:
                return HTMLResponse(missing_page("No contact with this id in this organisation."), status_code=404)
            return HTMLResponse(contact_page(org, contact))

    async def journal_view(self, request: Request) -> Response:
        # Xero's manual-journal link has no short code: it opens in the user's current organisation.
        journal_id = request.query_params.get("invoiceID", "")
        with self.store.lock:
            for org in self.store.orgs.values():
                if journal_id in org["journals"]:
                    return HTMLResponse(journal_page(org, org["journals"][journal_id]))
        return HTMLResponse(missing_page("No manual journal with this id."), status_code=404)

    async def deep_link_view(self, request: Request) -> Response:
        """Xero's classic deep link (xero-notes §6.3, DEEP): the organisation by short code, then the page
        `redirecturl` names; the sandbox serves a credit note's (ViewCreditNote.aspx?creditNoteID=…), under
        /AccountsReceivable/ only: a sales credit note under /AccountsPayable/ is an error page in Xero
        (github.com/XeroAPI/xero-mcp-server/issues/100)."""
        target = request.query_params.get("redirecturl", "")
        prefix = "/AccountsReceivable/ViewCreditNote.aspx?creditNoteID="
        with self.store.lock:
            org = self._org_by_short_code(request.query_params.get("shortcode", ""))
            notes = org.get("credit_notes", {}) if org else {}
            note = notes.get(target[len(prefix):]) if target.startswith(prefix) else None
            if org is None or note is None:
                return HTMLResponse(missing_page("No credit note with this id in this organisation."), status_code=404)
            return HTMLResponse(credit_note_page(org, note))

    async def unknown_api(self, request: Request) -> Response:
        error = not_found()
        return XeroJSON(error.body, status_code=404)
