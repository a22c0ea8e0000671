"""Running the sandbox: `python -m xero_sandbox --port 8001 --data DIR` (or `bms xero_sandbox`)."""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from xero_sandbox.app import Sandbox
from xero_sandbox.config import SandboxConfig


def build(data_dir: Path | None, **config) -> Sandbox:
    return Sandbox(data_dir=data_dir, config=SandboxConfig(**config))


def run(*, host: str = "127.0.0.1", port: int = 8001, data_dir: Path | None = None,
        extra_redirects: list[str] | None = None, **config) -> None:
    sandbox = build(data_dir, **config)
    demo = sandbox.store.clients["bms-demo"]
    for uri in extra_redirects or []:
        if uri not in demo["redirect_uris"]:
            demo["redirect_uris"].append(uri)
    print(f"Xero sandbox on http://{host}:{port}/ (data: {data_dir or 'in memory'})", flush=True)
    uvicorn.run(sandbox.app, host=host, port=port, log_level="warning", access_log=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="xero_sandbox", description="A local Xero-compatible server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--data", type=Path, default=Path("var/xero-sandbox"), help="where its data is kept")
    parser.add_argument("--auto-consent", action="store_true", help="skip the consent page (tools and tests)")
    args = parser.parse_args(argv)
    run(host=args.host, port=args.port, data_dir=args.data, auto_consent=args.auto_consent)
