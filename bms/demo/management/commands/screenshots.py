"""`bms screenshots`: the user guide's pictures, taken from the real app.

Starts its own demo (a fresh data folder, ports 8765/8766, so a running `make demo` is left alone),
drives Debian's Chromium through the screens with Playwright, and writes PNGs to docs/img."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import httpx2
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

PORT, SANDBOX_PORT = 8765, 8766
BASE = f"http://127.0.0.1:{PORT}"


class Command(BaseCommand):
    help = "Take the user guide's screenshots from a freshly seeded demo (needs Debian's chromium)."

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, default=settings.BASE_DIR / "docs" / "img")
        parser.add_argument("--chromium", default="/usr/bin/chromium")

    def handle(self, *args, out: Path, chromium: str, **options):
        if not Path(chromium).exists():
            raise CommandError(f"{chromium} not found: apt-get install -y chromium")
        out.mkdir(parents=True, exist_ok=True)
        manage = str(settings.BASE_DIR / "manage.py")
        with tempfile.TemporaryDirectory() as data_dir:
            env = {**os.environ, "BMS_DATA_DIR": data_dir}
            env.pop("BMS_DATABASE_URL", None)
            for step in (["migrate", "--no-input", "-v", "0"], ["seed_demo"]):
                subprocess.run([sys.executable, manage, *step], env=env, check=True)  # noqa: S603 (fixed commands)
            demo = subprocess.Popen(  # noqa: S603 (a fixed command)
                [sys.executable, manage, "demo", "--port", str(PORT), "--sandbox-port", str(SANDBOX_PORT)],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                _wait_for(f"{BASE}/login/")
                _wait_for(f"http://127.0.0.1:{SANDBOX_PORT}/")
                self._shoot(out, chromium)
            finally:
                os.killpg(demo.pid, signal.SIGTERM)
                demo.wait(timeout=20)
        self.stdout.write(f"Screenshots written to {out}")

    def _shoot(self, out: Path, chromium: str) -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"])
            page = browser.new_page(viewport={"width": 1360, "height": 860})

            def shot(name: str, path: str | None = None, *, full: bool = False) -> None:
                if path:
                    page.goto(BASE + path)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(out / f"{name}.png"), full_page=full)
                self.stdout.write(f"  {name}.png")

            def press_and_show(name: str, list_path: str | None, button: str, row_text: str = "") -> None:
                # Open the first record of a list (of the connected entity), press its Xero button, and
                # show it once the background job (run by the demo's worker) has done its work.
                if list_path:
                    page.goto(BASE + list_path)
                page.locator("table.grid tbody tr", has_text=row_text).first.locator("a").first.click()
                page.get_by_role("button", name=button).click()
                time.sleep(4)
                page.reload()
                shot(name, full=True)

            shot("login", "/login/")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", "admin")
            page.click("button[type=submit]")
            shot("general-settings", "/admin/settings/", full=True)
            shot("account-settings", "/admin/accounts/settings/", full=True)
            shot("accounts", "/admin/accounts/")
            shot("invoices", "/billing/invoices/")
            page.goto(BASE + "/billing/invoices/?status=approved")
            page.locator("main table.grid a").first.click()
            shot("invoice-detail", full=True)
            page.get_by_role("link", name="Credit Note", exact=True).click()
            shot("credit-note-from-invoice", full=True)
            shot("credit-notes", "/billing/credit-notes/")
            page.goto(BASE + "/billing/credit-notes/?status=approved&q=RMA")
            page.locator("main table.grid a").first.click()
            shot("credit-note-detail", full=True)
            _allocate_refused(page, out, self.stdout)
            shot("dispatches", "/stock/dispatches/")
            shot("journals", "/admin/journals/")
            shot("entities", "/admin/entities/", full=True)
            _connect_through_consent(page, shot)
            # Getting started, "Verify the connection": a customer, an invoice and a journal in Xero.
            press_and_show("customer-synced", "/billing/customers/", "Sync Customer with Xero Contact")
            page.goto(BASE + "/billing/invoices/?status=approved")
            press_and_show("invoice-pushed", None, "Sync Invoice with Xero Invoice", "Acme Distribution Pty Ltd")
            press_and_show("journal-pushed", "/admin/journals/", "Push now", "Acme Distribution Pty Ltd")
            _credit_notes_in_xero(page, out, self.stdout)
            _reconciliation(page, shot)
            shot("background-jobs", "/admin/jobs/")  # after the pushes and the reconciliation: real jobs
            shot("chart-compare", "/xero/accounts/compare/", full=True)
            shot("audit-log", "/admin/audit/")
            browser.close()


def _connect_through_consent(page, shot) -> None:
    """Authenticate with Xero and connect the AU entity, through the sandbox's consent page."""
    page.goto(BASE + "/admin/entities/")
    page.get_by_role("link", name="Acme Distribution Pty Ltd").first.click()
    page.get_by_role("button", name="Authenticate with Xero").click()
    page.wait_for_url("**/identity/connect/authorize**")
    shot("xero-consent")
    page.get_by_role("button", name="Allow access").click()
    page.wait_for_url("**/connect/**")
    shot("xero-choose-organisation")
    page.get_by_label("Acme Distribution (Xero AU)").check()
    page.get_by_role("button", name="Connect").click()
    page.wait_for_url("**/admin/entities/**")
    shot("entities-connected", "/admin/entities/", full=True)


def _up_to_panel(page, out: Path, name: str, stdout) -> None:
    """A credit note's page from its title down to its Xero Integration panel: the state, not the rest."""
    page.wait_for_load_state("networkidle")
    top = page.locator("main h1").bounding_box()
    panel = page.locator("section.panel-xero").bounding_box()
    assert top is not None and panel is not None
    y = max(0, top["y"] - 16)
    page.screenshot(path=str(out / f"{name}.png"), full_page=True,
                    clip={"x": 0, "y": y, "width": 1360, "height": panel["y"] + panel["height"] + 16 - y})
    stdout.write(f"  {name}.png")


def _allocate_refused(page, out: Path, stdout) -> None:
    """The goodwill credit allocated to an invoice for more than the invoice still owes: refused, and why."""
    page.goto(BASE + "/billing/credit-notes/?status=approved&q=Late delivery")
    page.locator("main table.grid a").first.click()
    form = page.locator("#allocations")
    offered = form.locator("select[name=invoice] option").nth(1)
    owed = offered.inner_text().split(" — ")[1].split()[0]
    form.locator("select[name=invoice]").select_option(offered.get_attribute("value"))
    form.get_by_label("Amount").fill(str(Decimal(owed) + 20))
    form.get_by_role("button", name="Allocate").click()
    page.wait_for_load_state("networkidle")
    page.locator("#allocations").screenshot(path=str(out / "credit-note-allocate-refused.png"))
    stdout.write("  credit-note-allocate-refused.png")


def _credit_notes_in_xero(page, out: Path, stdout) -> None:
    """The credit note's Xero panel once the entity is connected: the goodwill credit sent (Xero's number),
    the return on an invoice from before go-live never sent, and a credit note someone made in Xero
    against the invoice BMS sent, brought back by Pull payments now."""
    for reference, name in (("Late delivery", "credit-note-sent"), ("RMA-1001", "credit-note-before-go-live")):
        page.goto(BASE + f"/billing/credit-notes/?q={reference}")
        page.locator("main table.grid a").first.click()
        page.get_by_role("button", name="Sync Credit Note with Xero").click()
        time.sleep(4)  # the demo's worker runs the job
        page.reload()
        _up_to_panel(page, out, name, stdout)
    control = f"http://127.0.0.1:{SANDBOX_PORT}/_sandbox"
    org = next(o for o in httpx2.get(f"{control}/state", timeout=10).json()["orgs"].values()
               if o["country_code"] == "AU")
    invoice = org["invoices"][0]
    note = httpx2.post(f"{control}/tenants/{org['tenant_id']}/credit_notes", timeout=10, json={
        "Type": "ACCRECCREDIT", "CreditNoteNumber": "CN-0042",
        "Contact": {"ContactID": invoice["Contact"]["ContactID"]},
        "Status": "AUTHORISED", "LineAmountTypes": "Exclusive", "Reference": "Damaged in transit",
        "LineItems": [{"Description": "Damaged in transit", "Quantity": 1, "UnitAmount": 20,
                       "AccountCode": "41110", "TaxType": "OUTPUT"}]})
    note.raise_for_status()
    httpx2.post(f"{control}/tenants/{org['tenant_id']}/credit_notes/{note.json()['CreditNoteID']}/allocations",
                json={"invoice_id": invoice["InvoiceID"], "amount": "10.00"}, timeout=10).raise_for_status()
    page.goto(BASE + f"/billing/invoices/?q={invoice['InvoiceNumber']}")
    page.locator("main table.grid a", has_text=invoice["InvoiceNumber"]).first.click()
    page.get_by_role("button", name="Pull payments now").click()
    time.sleep(4)
    page.goto(BASE + "/billing/credit-notes/?source=xero")
    page.locator("main table.grid a", has_text="CN-0042").first.click()
    _up_to_panel(page, out, "credit-note-made-in-xero", stdout)


def _reconciliation(page, shot) -> None:
    """Admin → Reconciliation after three things were done in Xero to what BMS sent: a copy of the
    invoice made, the invoice voided, the customer's email changed. Then the invoice's panel with its badge."""
    control = f"http://127.0.0.1:{SANDBOX_PORT}/_sandbox"
    orgs = httpx2.get(f"{control}/state", timeout=10).json()["orgs"].values()
    org = next(o for o in orgs if o["country_code"] == "AU")
    invoice = org["invoices"][0]
    contact_id = invoice["Contact"]["ContactID"]
    for change in ({"collection": "invoices", "action": "copy", "ref": invoice["InvoiceID"],
                    "fields": {"InvoiceNumber": invoice["InvoiceNumber"][:-6] + "999999"}},
                   {"collection": "invoices", "action": "change", "ref": invoice["InvoiceID"],
                    "fields": {"Status": "VOIDED"}},
                   {"collection": "contacts", "action": "change", "ref": contact_id,
                    "fields": {"EmailAddress": "accounts@changed-in-xero.example"}}):
        httpx2.post(f"{control}/tenants/{org['tenant_id']}/plant", json=change, timeout=10).raise_for_status()
    page.goto(BASE + "/admin/reconciliation/")
    page.get_by_role("button", name="Run now").click()
    time.sleep(4)
    shot("reconciliation", "/admin/reconciliation/", full=True)
    page.get_by_role("link", name=invoice["InvoiceNumber"]).first.click()
    shot("reconciliation-badge", full=True)


def _wait_for(url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx2.get(url, timeout=2).status_code < 500:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.25)
    raise CommandError(f"{url} did not come up")
