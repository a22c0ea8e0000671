"""A real sandbox for tests, over real HTTP on a free local port:

    with run_sandbox(tmp_path, auto_consent=True) as sandbox:
        tokens = sandbox.mint_grant()                       # a grant without the consent page
        tenant = sandbox.tenant_id("AU")
        sandbox.set_faults(tenant, drop_rate=0.2)           # responses dropped after commit
        httpx2.get(sandbox.api_url + "/Organisation", headers=...)
        sandbox.state()["orgs"][tenant]["invoices"]         # what arrived

It runs uvicorn in a background thread of the test process and stops it afterwards.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import uvicorn

from xero_sandbox.server import build


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SandboxHandle:
    base_url: str
    sandbox: object  # the Sandbox, for in-process inspection

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

    def control(self, method: str, path: str, **json) -> dict:
        response = httpx2.request(method, f"{self.base_url}/_sandbox/{path}", json=json or None, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else {}

    def tenant_id(self, country: str) -> str:
        return next(tid for tid, org in self.sandbox.store.orgs.items() if org["country_code"] == country)

    def mint_grant(self, **values) -> dict:
        return self.control("POST", "grants", **values)

    def set_faults(self, tenant_id: str, **faults) -> dict:
        return self.control("POST", f"tenants/{tenant_id}/faults", **faults)

    def clear_faults(self, tenant_id: str) -> dict:
        return self.control("DELETE", f"tenants/{tenant_id}/faults")

    def configure(self, **values) -> dict:
        return self.control("POST", "config", **values)

    def advance_clock(self, seconds: float) -> dict:
        return self.control("POST", "clock/advance", seconds=seconds)

    def state(self) -> dict:
        return self.control("GET", "state")

    def log(self, tenant_id: str | None = None) -> list[dict]:
        path = "log" + (f"?tenant={tenant_id}" if tenant_id else "")
        return self.control("GET", path)["entries"]


@contextmanager
def run_sandbox(data_dir: Path | None = None, **config):
    """Start a sandbox on a free port; `config` are SandboxConfig fields (limits, windows, auto_consent…)."""
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
            raise RuntimeError("the Xero sandbox did not start")
        time.sleep(0.01)
    try:
        yield SandboxHandle(base_url=f"http://127.0.0.1:{port}", sandbox=sandbox)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
