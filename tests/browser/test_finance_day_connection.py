"""A finance admin's day, connection half (issue 17, acceptance): the Xero connection is revoked mid-day;
the next page shows the banner naming the entity and the organisation; the invoice's panel says why it
waits; the admin presses the banner's Authenticate with Xero; everything lands in Xero once, with the
totals BMS has; the banner is gone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from django.test import Client

from bms.preferences.models import GeneralSettings, IntegrationPackage
from bms.testing import factories as f
from bms.xero.models import InvoiceLink, LinkStatus, XeroIncident, XeroTenant
from bms.xero.sync.tenant_client import process_limiter_reset
from bms.xero.tests.conftest import authenticate, connect
from bms.xero.tests.test_invoices import _released
from tests.browser.conftest import log_in
from xero_sandbox.testing import run_sandbox

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox_for(live_server, settings, tmp_path):
    with run_sandbox(tmp_path / "sandbox", auto_consent=True) as sandbox:
        callback = f"{live_server.url}/xero/callback/"
        sandbox.control("POST", "clients", client_id="bms-browser", client_secret="browser-secret",
                        name="BMS", redirect_uris=[callback])
        settings.XERO_CLIENT_ID, settings.XERO_CLIENT_SECRET = "bms-browser", "browser-secret"
        settings.XERO_REDIRECT_URI = callback
        settings.BMS_TOKEN_KEYS = [Fernet.generate_key().decode()]
        settings.XERO_RETRY_BASE_S = 0.01
        for name, value in sandbox.urls().items():
            setattr(settings, name, value)
        process_limiter_reset()
        yield sandbox


def _held(sandbox, tenant):
    return {i["InvoiceNumber"]: i for i in sandbox.state()["orgs"][tenant.xero_tenant_id]["invoices"]}


def test_a_connection_revoked_mid_day_shows_a_banner_and_everything_lands_once_after_re_authenticating(
    page, live_server, sandbox_for, admin_user
):
    from bms.core.testing import PASSWORD

    sandbox = sandbox_for
    GeneralSettings.objects.update_or_create(pk=1, defaults={"integration_package": IntegrationPackage.XERO})
    entity = f.entity("AU", name="Acme Distribution Pty Ltd")
    admin = Client()
    admin.force_login(admin_user)
    authenticate(admin, entity)
    tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("AU"))
    connect(admin, entity, tenant)
    customer = f.customer(code="C0001", name="Bright Tools Pty Ltd")
    morning, afternoon = _released(entity, [customer], 2)
    log_in(page, live_server.url, admin_user.username, PASSWORD)

    # Morning: an invoice goes to Xero as usual.
    page.goto(f"{live_server.url}/billing/invoices/{morning.pk}/")
    page.get_by_role("button", name="Sync Invoice with Xero Invoice").click()
    page.wait_for_load_state("networkidle")
    assert list(_held(sandbox, tenant)) == [morning.display_number]

    # Mid-day someone revokes BMS's access in Xero. The afternoon's invoice is sent…
    sandbox.revoke_grant(sandbox.state()["grants"][0]["grant_id"])
    page.goto(f"{live_server.url}/billing/invoices/{afternoon.pk}/")
    page.get_by_role("button", name="Sync Invoice with Xero Invoice").click()
    page.wait_for_load_state("networkidle")

    # …and the next page says what happened, to whom, and what fixes it.
    page.goto(f"{live_server.url}/billing/invoices/")
    banner = page.get_by_role("alert")
    banner_text = banner.inner_text()
    assert "Needs re-authentication" in banner_text
    assert "Acme Distribution Pty Ltd → Acme Distribution (Xero AU)" in banner_text
    # The parked work is visible: the invoice's panel says why it waits; the Entities grid agrees.
    page.goto(f"{live_server.url}/billing/invoices/{afternoon.pk}/")
    panel = page.locator("section.panel-xero").inner_text()
    assert "Waiting — Needs re-authentication" in panel and "revoked or expired" in panel
    page.goto(f"{live_server.url}/admin/entities/")
    assert "Needs re-authentication" in page.locator("table.grid").inner_text()
    assert list(_held(sandbox, tenant)) == [morning.display_number]  # nothing went while revoked

    # The admin presses the banner's one button; Xero's consent (auto) sends them back.
    page.get_by_role("alert").get_by_role("button", name="Authenticate with Xero").click()
    page.wait_for_url("**/xero/entities/*/connect/**")
    page.wait_for_load_state("networkidle")

    # Everything landed once, with BMS's totals, and the banner is gone.
    held = _held(sandbox, tenant)
    assert sorted(held) == sorted([morning.display_number, afternoon.display_number])
    assert len(sandbox.state()["orgs"][tenant.xero_tenant_id]["invoices"]) == 2
    for invoice in (morning, afternoon):
        invoice.refresh_from_db()
        assert Decimal(str(held[invoice.display_number]["Total"])) == invoice.total_amount
        assert held[invoice.display_number]["Status"] == "AUTHORISED"
    assert set(InvoiceLink.objects.values_list("status", flat=True)) == {LinkStatus.SYNCED}
    assert not XeroIncident.objects.filter(closed_at__isnull=True).exists()
    page.goto(f"{live_server.url}/billing/invoices/")
    assert page.get_by_role("alert").count() == 0
    page.goto(f"{live_server.url}/billing/invoices/{afternoon.pk}/")
    assert "Synced" in page.locator("section.panel-xero").inner_text()
