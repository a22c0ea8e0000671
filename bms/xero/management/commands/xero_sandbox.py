"""`bms xero_sandbox`: the local Xero-compatible server (the `xero_sandbox` package, which imports
nothing from BMS), started by `make demo` beside the app. A thin wrapper over
`xero_sandbox.server.run`; its data lives in `<data dir>/xero-sandbox` unless --data says otherwise."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Run the local Xero sandbox (OAuth + Accounting API) for demos and tests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--data", type=Path, default=None, help="data folder (default: <data dir>/xero-sandbox)")
        parser.add_argument("--auto-consent", action="store_true", help="skip the consent page")
        parser.add_argument("--extra-redirect", action="append", default=[],
                            help="another redirect URI for the demo client (e.g. an app on another port)")
        parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                            help="a sandbox setting, e.g. --set minute_s=6 --set day_limit=1000")

    def handle(self, *args: Any, port: int, host: str, data: Path | None, auto_consent: bool, extra_redirect: list[str],
               set: list[str], **options: Any) -> None:
        from xero_sandbox.config import SandboxConfig
        from xero_sandbox.server import parse_setting, run

        try:
            config = dict(parse_setting(text) for text in set)
            if auto_consent:
                config["auto_consent"] = True
            SandboxConfig().update(config)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        run(host=host, port=port, data_dir=data or Path(settings.DATA_DIR) / "xero-sandbox",
            extra_redirects=extra_redirect, **config)
