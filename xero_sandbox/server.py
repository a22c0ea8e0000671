"""Running the sandbox as its own process:

    python -m xero_sandbox --port 8001 --data var/xero-sandbox [--auto-consent] [--set minute_s=6]
    bms xero_sandbox --port 8001 [--data DIR]            (the Django command calls `run`)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import uvicorn

from xero_sandbox.app import Sandbox
from xero_sandbox.config import SandboxConfig


def build(data_dir: Path | None, **config: object) -> Sandbox:
    settings = SandboxConfig()
    settings.update(config)
    return Sandbox(data_dir=data_dir, config=settings)


def run(*, host: str = "127.0.0.1", port: int = 8001, data_dir: Path | None = None,
        extra_redirects: list[str] | None = None, **config: object) -> None:
    """Serve until interrupted. `config` are SandboxConfig fields; `extra_redirects` are added to
    the demo client's redirect URIs (an app on another port)."""
    sandbox = build(data_dir, **config)
    with sandbox.store.lock:
        demo = sandbox.store.clients["bms-demo"]
        for uri in extra_redirects or []:
            if uri not in demo["redirect_uris"]:
                demo["redirect_uris"].append(uri)
        sandbox.store.changed()
    print(f"Xero sandbox on http://{host}:{port}/ (data: {data_dir or 'in memory'})", flush=True)
    uvicorn.run(sandbox.app, host=host, port=port, log_level="warning", access_log=False)


def parse_setting(text: str) -> tuple[str, object]:
    """`NAME=VALUE` with VALUE read as JSON when it is (numbers, true/false, lists), else text."""
    name, _, value = text.partition("=")
    if not name or not _:
        raise ValueError("use NAME=VALUE, e.g. minute_s=6")
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value


def _parse_setting_arg(text: str) -> tuple[str, object]:
    try:
        return parse_setting(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="xero_sandbox", description="A local Xero-compatible server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--data", type=Path, default=Path("var/xero-sandbox"), help="where its data is kept")
    parser.add_argument("--auto-consent", action="store_true", help="skip the consent page (tools and tests)")
    parser.add_argument("--extra-redirect", action="append", default=[], help="another redirect URI for bms-demo")
    parser.add_argument("--set", action="append", default=[], type=_parse_setting_arg, metavar="NAME=VALUE",
                        help="any SandboxConfig setting, e.g. --set minute_s=6 --set day_limit=1000")
    args = parser.parse_args(argv)
    config = dict(args.set)
    if args.auto_consent:
        config["auto_consent"] = True
    try:
        SandboxConfig().update(config)
    except ValueError as exc:
        parser.error(str(exc))
    run(host=args.host, port=args.port, data_dir=args.data, extra_redirects=args.extra_redirect, **config)
