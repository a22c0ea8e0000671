"""`bms xero_sandbox`: the local Xero-compatible server (a separate package that imports nothing
from BMS), started by `make demo` beside the app."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the local Xero sandbox (OAuth + Accounting API) for demos and tests."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--data", type=Path, default=None, help="data folder (default: <data dir>/xero-sandbox)")
        parser.add_argument("--auto-consent", action="store_true", help="skip the consent page")
        parser.add_argument("--extra-redirect", action="append", default=[],
                            help="another redirect URI for the demo client (e.g. an app on another port)")

    def handle(self, *args, port: int, host: str, data: Path | None, auto_consent: bool, extra_redirect: list,
               **options):
        from xero_sandbox.server import run

        run(host=host, port=port, data_dir=data or Path(settings.DATA_DIR) / "xero-sandbox",
            auto_consent=auto_consent, extra_redirects=extra_redirect)
