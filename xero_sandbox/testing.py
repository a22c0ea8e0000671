"""A real sandbox for tests, over real HTTP on a free local port, in a background thread of the
test process (uvicorn), stopped when the block ends:

    from xero_sandbox.testing import run_sandbox

    with run_sandbox(tmp_path / "sandbox", auto_consent=True, minute_limit=10) as sandbox:
        tokens = sandbox.mint_grant()                      # a grant without the consent page
        tenant = sandbox.tenant_id("AU")
        headers = sandbox.api_headers(tokens, tenant)      # Authorization + xero-tenant-id
        httpx.get(f"{sandbox.api_url}/Organisation", headers=headers)
        sandbox.set_faults(tenant, drop_rate=0.2)          # answers dropped after the commit
        sandbox.advance_clock(1801)                        # no sleeping through token lifetimes
        sandbox.state()["orgs"][tenant]["invoices"]        # what arrived
        sandbox.log_summary(tenant)["peaks"][tenant]       # proof the limits were respected

`config` are `SandboxConfig` fields (limits, window lengths, token lifetimes, auto_consent,
record_traffic…). `sandbox.sandbox` is the in-process `Sandbox`, for the rare test that must
reach behind the API (e.g. to play a credit note Xero applied by itself).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from xero_sandbox.app import Sandbox
from xero_sandbox.server import build

DEMO_CLIENT_ID = "bms-demo"
DEMO_CLIENT_SECRET = "bms-demo-secret"
DEMO_REDIRECT_URI = "http://127.0.0.1:8000/xero/callback/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SandboxHandle:
    base_url: str
    sandbox: Sandbox

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api.xro/2.0"

    def urls(self) -> dict[str, str]:
        """The XERO_* settings that point BMS at this sandbox."""
        return {
            "XERO_AUTHORIZE_URL": f"{self.base_url}/identity/connect/authorize",
            "XERO_TOKEN_URL": f"{self.base_url}/identity/connect/token",
            "XERO_REVOKE_URL": f"{self.base_url}/identity/connect/revocation",
            "XERO_CONNECTIONS_URL": f"{self.base_url}/connections",
            "XERO_API_URL": self.api_url,
        }

    # --- the control API -----------------------------------------------------------------------

    def control(self, method: str, path: str, **json: object) -> dict:
        """Call /_sandbox/<path>; raises httpx.HTTPStatusError on a 4xx (the body says why)."""
        response = httpx.request(method, f"{self.base_url}/_sandbox/{path}", json=json or None, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else {}

    def tenant_id(self, country: str) -> str:
        """The tenant id of the seeded organisation in "AU" or "NZ"."""
        return next(tid for tid, org in self.sandbox.store.orgs.items() if org["country_code"] == country)

    def add_tenant(self, key: str, *, name: str | None = None, country: str = "AU") -> str:
        """A new organisation like the seeded one of `country`; returns its tenant id (fixed by `key`)."""
        return self.control("POST", "tenants", key=key, name=name or f"Organisation {key}", country=country)[
            "tenant_id"]

    def mint_grant(self, **values: object) -> dict:
        """Tokens for a new consent without the consent page: `client_id` (default bms-demo),
        `tenant_ids` (default all), `scope` (default every scope BMS could use, with offline_access
        and openid profile email), `user_id`. Returns the token answer plus `grant_id`."""
        return self.control("POST", "grants", **values)

    def api_headers(self, tokens: dict, tenant_id: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens['access_token']}", "xero-tenant-id": tenant_id,
                "Accept": "application/json", **extra}

    def set_faults(self, tenant_id: str | None = None, **faults: object) -> dict:
        """latency_ms, error_500_rate, error_503_rate, offline, drop_rate, storm_429 — for one
        tenant, or (tenant_id=None) for every tenant."""
        return self.control("POST", f"tenants/{tenant_id}/faults" if tenant_id else "faults", **faults)

    def clear_faults(self, tenant_id: str | None = None) -> dict:
        return self.control("DELETE", f"tenants/{tenant_id}/faults" if tenant_id else "faults")

    def set_identity_faults(self, **faults: object) -> dict:
        """Faults of the token endpoint: latency_ms, error_500_rate, drop_rate."""
        return self.control("POST", "identity/faults", **faults)

    def configure(self, **values: object) -> dict:
        """Change SandboxConfig settings live (and `fault_seed` to make random faults repeatable)."""
        return self.control("POST", "config", **values)

    def advance_clock(self, seconds: float) -> dict:
        return self.control("POST", "clock/advance", seconds=seconds)

    def revoke_grant(self, grant_id: str) -> dict:
        return self.control("POST", f"grants/{grant_id}/revoke")

    def remove_scopes(self, grant_id: str, *scopes: str) -> dict:
        return self.control("POST", f"grants/{grant_id}/scope", remove=list(scopes))

    def deny_role(self, tenant_id: str, *families: str, user_id: str = "*") -> dict:
        return self.control("POST", f"tenants/{tenant_id}/roles", deny=list(families), user_id=user_id)

    def disconnect_tenant(self, tenant_id: str) -> None:
        """What an admin does in Xero (Settings → Connected apps → Disconnect) for one organisation:
        the connection goes (xero-notes §1.6) — the grant's other organisations stay."""
        self.control("POST", f"tenants/{tenant_id}/disconnect")

    def expire_tokens(self, grant_id: str, *, refresh: bool = False) -> dict:
        return self.control("POST", f"grants/{grant_id}/expire-tokens", refresh=refresh)

    def pay_invoice(self, tenant_id: str, *, amount: str, invoice_number: str | None = None,
                    invoice_id: str | None = None, date: str | None = None, reference: str | None = None) -> dict:
        """A customer's payment recorded in Xero (not through the API client under test)."""
        values = {"invoice_number": invoice_number, "invoice_id": invoice_id, "amount": amount, "date": date,
                  "reference": reference}
        return self.control("POST", f"tenants/{tenant_id}/payments", **{k: v for k, v in values.items() if v})

    def delete_payment(self, tenant_id: str, payment_id: str) -> dict:
        """A payment deleted in Xero by a user (reversing it on its invoice)."""
        return self.control("POST", f"tenants/{tenant_id}/payments/{payment_id}/delete")

    def credit_note_in_xero(self, tenant_id: str, **element: object) -> dict:
        """A credit note made in Xero by a user: a CreditNote element as the API takes it."""
        return self.control("POST", f"tenants/{tenant_id}/credit_notes", **element)

    def allocate_in_xero(self, tenant_id: str, credit_note_id: str, *, invoice_id: str, amount: str,
                         date: str | None = None) -> dict:
        """Credit allocated to an invoice in Xero by a user (the same rules as the API)."""
        return self.control("POST", f"tenants/{tenant_id}/credit_notes/{credit_note_id}/allocations",
                            invoice_id=invoice_id, amount=amount, date=date)

    def remove_allocation_in_xero(self, tenant_id: str, credit_note_id: str, allocation_id: str) -> dict:
        return self.control("POST", f"tenants/{tenant_id}/credit_notes/{credit_note_id}/allocations/"
                                    f"{allocation_id}/delete")

    def refund_in_xero(self, tenant_id: str, credit_note_id: str, *, amount: str, date: str | None = None) -> dict:
        """A cash refund of credit recorded in Xero (an ARCREDITPAYMENT payment)."""
        return self.control("POST", f"tenants/{tenant_id}/credit_notes/{credit_note_id}/refunds", amount=amount,
                            date=date)

    def edit_credit_note_in_xero(self, tenant_id: str, credit_note_id: str, **element: object) -> dict:
        """A credit note edited in Xero by a user: the fields changed (Xero's rules: not once credit is used)."""
        return self.control("POST", f"tenants/{tenant_id}/credit_notes/{credit_note_id}/edit", **element)

    def void_credit_note_in_xero(self, tenant_id: str, credit_note_id: str) -> dict:
        return self.control("POST", f"tenants/{tenant_id}/credit_notes/{credit_note_id}/void")

    def set_tracking(self, tenant_id: str, category: str, option: str | None = None, **statuses: str) -> dict:
        """Tracking changed in Xero by a person: the category (and option) added when missing, then
        `status=` (the option's) and `category_status=` set: ACTIVE, ARCHIVED or DELETED."""
        return self.control("POST", f"tenants/{tenant_id}/tracking", category=category, option=option, **statuses)

    def plant(self, tenant_id: str, collection: str, action: str, ref: str, **fields: object) -> dict:
        """A difference planted in Xero (xero_sandbox/plant.py): change, remove or copy a record."""
        return self.control("POST", f"tenants/{tenant_id}/plant", collection=collection, action=action, ref=ref,
                            fields=fields)

    def set_contact_status(self, tenant_id: str, contact_id: str, status: str) -> dict:
        """A contact archived, unarchived or put under a GDPR request in Xero by a user."""
        return self.control("POST", f"tenants/{tenant_id}/contacts/{contact_id}/status", status=status)

    def merge_contacts(self, tenant_id: str, contact_id: str, *, into: str) -> dict:
        """Xero's Merge contacts: `contact_id` is archived with MergedToContactID = `into`."""
        return self.control("POST", f"tenants/{tenant_id}/contacts/{contact_id}/merge", into=into)

    def enable_currency(self, tenant_id: str, code: str) -> dict:
        """A currency added to the organisation in Xero (Settings → Currencies)."""
        return self.control("POST", f"tenants/{tenant_id}/currencies", code=code)

    def set_lock_date(self, tenant_id: str, date: str | None) -> dict:
        return self.control("POST", f"tenants/{tenant_id}/lock-date", date=date)

    def state(self) -> dict:
        return self.control("GET", "state")

    def log(self, tenant_id: str | None = None) -> list[dict]:
        """Accounting API calls, oldest first (each with at/done timestamps, status, problem)."""
        return self.control("GET", "log" + (f"?tenant={tenant_id}" if tenant_id else ""))["entries"]

    def log_summary(self, tenant_id: str | None = None) -> dict:
        """Counts per endpoint and tenant, 429s by cause, and per-tenant peaks (in flight, per
        minute window, per day window)."""
        return self.control("GET", "log" + (f"?tenant={tenant_id}" if tenant_id else ""))["summary"]

    def wait_in_flight(self, tenant_id: str, count: int, timeout_s: float = 60) -> None:
        """Return once `count` of the tenant's calls are admitted and unanswered (held by a latency
        fault: clearing the fault lets them go), asking the log again until then."""
        deadline = time.monotonic() + timeout_s
        while True:
            held = [e for e in self.log(tenant_id) if e["admitted"] and e["done"] is None]
            if len(held) >= count:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(held)} calls in flight, not {count}, after {timeout_s} s")

    def identity_log(self) -> list[dict]:
        return self.control("GET", "log?identity=true")["entries"]

    def clear_log(self) -> dict:
        """Forget the log and the limit counters (a fresh minute and day for everyone)."""
        return self.control("DELETE", "log")

    def traffic(self) -> list[dict]:
        """Recorded exchanges (run with record_traffic=True); bodies as bytes."""
        return list(self.sandbox.store.traffic)


@contextmanager
def run_sandbox(data_dir: Path | None = None, **config: object) -> Iterator[SandboxHandle]:
    """Start a sandbox on a free 127.0.0.1 port and yield its handle; stop it afterwards.

    With `data_dir` its state persists there (a fresh folder gets the seed data); without, it
    lives in memory only."""
    config.setdefault("persist", data_dir is not None)
    sandbox = build(data_dir, **config)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(sandbox.app, host="127.0.0.1", port=port, log_level="error",
                                           access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, name="xero-sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("the Xero sandbox did not start")
        time.sleep(0.005)
    try:
        yield SandboxHandle(base_url=f"http://127.0.0.1:{port}", sandbox=sandbox)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
