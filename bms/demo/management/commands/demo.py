"""`bms demo`: everything the demo needs, in the foreground. Ctrl-C stops all of it."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand

from bms.demo.supervisor import supervise


def demo_xero_settings(port: int, sandbox_port: int) -> dict[str, str]:
    """The XERO_* settings that point the app at the local sandbox."""
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    return {
        "XERO_CLIENT_ID": "bms-demo",
        "XERO_CLIENT_SECRET": "bms-demo-secret",
        "XERO_REDIRECT_URI": f"http://127.0.0.1:{port}/xero/callback/",
        "XERO_AUTHORIZE_URL": f"{sandbox}/identity/connect/authorize",
        "XERO_TOKEN_URL": f"{sandbox}/identity/connect/token",
        "XERO_REVOKE_URL": f"{sandbox}/identity/connect/revocation",
        "XERO_CONNECTIONS_URL": f"{sandbox}/connections",
        "XERO_API_URL": f"{sandbox}/api.xro/2.0",
        "XERO_WEB_URL": sandbox,
        "BMS_BASE_URL": f"http://127.0.0.1:{port}",
    }


def demo_children(port: int, sandbox_port: int, redirect_uri: str) -> dict[str, list[str]]:
    """What the demo runs: the web app, the job worker (with its scheduler) and, when this checkout
    has it, the local Xero sandbox."""
    manage = str(settings.BASE_DIR / "manage.py")
    commands = get_commands()
    children = {
        # --noreload: one process per child, so stopping its process group stops all of it.
        "web": [sys.executable, manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker": [sys.executable, manage, "worker"] if "worker" in commands
        else [sys.executable, manage, "run_huey"],
    }
    if "xero_sandbox" in commands:
        children["sandbox"] = [sys.executable, manage, "xero_sandbox", "--port", str(sandbox_port)]
        if port != 8000:
            # The sandbox's demo client knows the :8000 callback; register this one too.
            children["sandbox"] += ["--extra-redirect", redirect_uri]
    return children


class Command(BaseCommand):
    help = "Run the demo: web app on :8000, the job worker with its scheduler and the local Xero sandbox on :8001."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=8001)

    def handle(self, *args, port: int, sandbox_port: int, **options):
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for name, value in demo_xero_settings(port, sandbox_port).items():
            env.setdefault(name, value)  # a real Xero configuration in the environment wins
        children = demo_children(port, sandbox_port, env["XERO_REDIRECT_URI"])
        self._banner(port, sandbox_port, with_sandbox="sandbox" in children)
        outcome = supervise(children, env=env, out=self.stdout)
        if not outcome.is_clean:
            self.stderr.write(f"The {outcome.stopped_by} process stopped (exit {outcome.returncode}); "
                              "stopped the rest.")
            sys.exit(1)
        self.stdout.write("Demo stopped.")

    def _banner(self, port: int, sandbox_port: int, *, with_sandbox: bool) -> None:
        lines = [
            "",
            "BMS demo",
            f"  App:           http://127.0.0.1:{port}/   (log in as admin / admin — demo only)",
            "                 other demo users: finance / finance, staff / staff",
        ]
        if with_sandbox:
            lines.append(f"  Xero sandbox:  http://127.0.0.1:{sandbox_port}/   (what has arrived \"in Xero\")")
        lines += ["  Press Ctrl-C to stop everything.", ""]
        self.stdout.write("\n".join(lines))
