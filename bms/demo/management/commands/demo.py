"""`bms demo`: everything the demo needs, in the foreground. Ctrl-C stops all of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand


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


class Command(BaseCommand):
    help = "Run the demo: web app on :8000, the job worker with its scheduler and the local Xero sandbox on :8001."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=8001)

    def handle(self, *args, port: int, sandbox_port: int, **options):
        manage = str(settings.BASE_DIR / "manage.py")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for name, value in demo_xero_settings(port, sandbox_port).items():
            env.setdefault(name, value)  # a real Xero configuration in the environment wins
        children = {
            "web": [sys.executable, manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            "worker": [sys.executable, manage, "worker"],
        }
        if "xero_sandbox" in get_commands():
            children["sandbox"] = [sys.executable, manage, "xero_sandbox", "--port", str(sandbox_port)]
            if port != 8000:
                # The sandbox's demo client knows the :8000 callback; register this one too.
                children["sandbox"].append("--extra-redirect")
                children["sandbox"].append(env["XERO_REDIRECT_URI"])
        self._banner(port, sandbox_port, "sandbox" in children)
        # The commands are fixed lists built above: no user input reaches them.
        processes = {name: subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,  # noqa: S603
                                            text=True, start_new_session=True)
                     for name, command in children.items()}
        for name, process in processes.items():
            threading.Thread(target=self._relay, args=(name, process), daemon=True).start()

        stopping = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stopping.set())
        failed = None
        while not stopping.is_set():
            for name, process in processes.items():
                if process.poll() is not None:
                    failed = name
                    stopping.set()
                    break
            stopping.wait(0.5)
        self._stop(processes)
        if failed:
            self.stderr.write(f"The {failed} process stopped (exit {processes[failed].returncode}); stopped the rest.")
            sys.exit(1)
        self.stdout.write("Demo stopped.")

    def _banner(self, port: int, sandbox_port: int, with_sandbox: bool) -> None:
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

    def _relay(self, name: str, process: subprocess.Popen) -> None:
        for line in process.stdout:
            sys.stdout.write(f"[{name:<7}] {line}")
            sys.stdout.flush()

    @staticmethod
    def _stop(processes: dict[str, subprocess.Popen]) -> None:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
