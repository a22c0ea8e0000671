"""`bms demo`: everything the demo needs, in the foreground. Ctrl-C stops all of it."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand

from bms.core.settings_file import settings_file_write
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


def demo_description(port: int, sandbox_port: int) -> str:
    return (f"Run the demo: the web app on :{port}, the job worker with its scheduler and the local Xero sandbox "
            f"on :{sandbox_port}; the sandbox's Xero settings are left in {_shown(settings.BMS_XERO_ENV_FILE)} for "
            "every other bms command in this checkout.")


def _shown(path: str) -> str:
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


class _HelpWithPorts(argparse.Action):
    """--help names the ports this command line gives (`bms demo --port 9000 --help`), not the defaults."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        rest = [arg for arg in sys.argv[2:] if arg not in self.option_strings]
        given, _ = parser.parse_known_args(rest, namespace=argparse.Namespace(**vars(namespace)))
        parser.description = demo_description(given.port, given.sandbox_port)
        parser.print_help()
        parser.exit()


class Command(BaseCommand):
    help = demo_description(8000, 8001)

    def create_parser(self, prog_name, subcommand, **kwargs):
        # argparse's own --help is replaced by one that names the ports given (add_arguments).
        return super().create_parser(prog_name, subcommand, add_help=False, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("-h", "--help", action=_HelpWithPorts, help="show this help message and exit")
        parser.add_argument("--port", type=int, default=8000, help="the web app's port (default: %(default)s)")
        parser.add_argument("--sandbox-port", type=int, default=8001,
                            help="the local Xero sandbox's port (default: %(default)s)")

    def handle(self, *args, port: int, sandbox_port: int, **options):
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # A real Xero configuration in the environment wins, whole: then nothing is written for others.
        uses_sandbox = not any(name.startswith("XERO_") for name in os.environ)
        demo = demo_xero_settings(port, sandbox_port)
        for name, value in demo.items():
            env.setdefault(name, value)
        if uses_sandbox and settings.BMS_XERO_ENV_FILE:
            settings_file_write(settings.BMS_XERO_ENV_FILE, demo, header=(
                f"Written by `bms demo` ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC): the local Xero sandbox's settings,\n"
                "read by every bms command in this checkout. Delete this file to use real Xero (or set XERO_*)."))
        children = demo_children(port, sandbox_port, env["XERO_REDIRECT_URI"])
        self._banner(port, sandbox_port, with_sandbox="sandbox" in children, uses_sandbox=uses_sandbox)
        outcome = supervise(children, env=env, out=self.stdout)
        if not outcome.is_clean:
            self.stderr.write(f"The {outcome.stopped_by} process stopped (exit {outcome.returncode}); "
                              "stopped the rest.")
            sys.exit(1)
        self.stdout.write("Demo stopped.")

    def _banner(self, port: int, sandbox_port: int, *, with_sandbox: bool, uses_sandbox: bool) -> None:
        lines = [
            "",
            "BMS demo",
            f"  App:           http://127.0.0.1:{port}/   (log in as admin / admin — demo only)",
            "                 other demo users: finance / finance, staff / staff",
        ]
        if with_sandbox:
            lines.append(f"  Xero sandbox:  http://127.0.0.1:{sandbox_port}/   (what has arrived \"in Xero\")")
        if uses_sandbox and settings.BMS_XERO_ENV_FILE:
            lines += [f"  Xero settings: {_shown(settings.BMS_XERO_ENV_FILE)} — every bms command in this checkout "
                      "uses the sandbox,",
                      "                 e.g. `bms xero_check` in another shell; delete the file to use real Xero."]
        else:
            lines.append("  Xero settings: from the environment (XERO_*); nothing written for other commands.")
        lines += ["  Press Ctrl-C to stop everything.", ""]
        self.stdout.write("\n".join(lines))
