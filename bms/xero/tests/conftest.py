"""BMS against the local Xero sandbox, over real HTTP."""

import html
import os
from datetime import date
from urllib.parse import urlparse

import httpx2
import pytest
from cryptography.fernet import Fernet
from django.urls import reverse

from bms.preferences.models import GeneralSettings, IntegrationPackage
from bms.testing import factories as f
from bms.xero.models import XeroTenant
from bms.xero.sync.tenant_client import process_limiter_reset
from xero_sandbox.contract import SPEC_DIR, request_problems, specs_available, specs_required
from xero_sandbox.testing import run_sandbox


@pytest.fixture
def sandbox(tmp_path):
    """The sandbox records every request BMS sends; when the test ends each one must validate
    against Xero's OpenAPI description (body, headers, query), or the test fails."""
    with run_sandbox(tmp_path / "sandbox", auto_consent=True, record_traffic=True) as handle:
        yield handle
        traffic = handle.traffic()
    if specs_available():
        assert request_problems(traffic) == [], "BMS sent requests Xero's description refuses"
    elif specs_required(os.environ):
        pytest.fail(f"Xero's OpenAPI description is missing from {SPEC_DIR}", pytrace=False)


@pytest.fixture
def xero_settings(settings, sandbox, tmp_path):
    settings.XERO_CLIENT_ID = "bms-demo"
    settings.XERO_CLIENT_SECRET = "bms-demo-secret"
    settings.XERO_REDIRECT_URI = "http://127.0.0.1:8000/xero/callback/"
    for name, value in sandbox.urls().items():
        setattr(settings, name, value)
    settings.BMS_TOKEN_KEYS = [Fernet.generate_key().decode()]
    settings.XERO_RETRY_BASE_S = 0.01  # tests retry at once; the sandbox's Retry-After still counts
    settings.XERO_TIMEOUT_S = 5
    # Every test's sandbox has the same tenant ids: a penalty one test earned must not reach the next.
    process_limiter_reset()
    return settings


@pytest.fixture
def connected(admin_client, xero_settings, xero_active, au_entity, sandbox):
    """The AU entity connected to the sandbox's AU organisation."""
    authenticate(admin_client, au_entity)
    tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("AU"))
    connect(admin_client, au_entity, tenant)
    tenant.refresh_from_db()
    return tenant


def xero_client(tenant):
    from bms.xero.sync.tenant_client import accounting_client

    return accounting_client(tenant)


@pytest.fixture
def xero_active(db):
    GeneralSettings.objects.update_or_create(pk=1, defaults={"integration_package": IntegrationPackage.XERO})


@pytest.fixture
def au_entity(db):
    return f.entity("AU", name="Acme Distribution Pty Ltd")


def authenticate(client, entity) -> object:
    """Admin presses Authenticate with Xero; the sandbox (auto-consent) sends them straight back."""
    start = client.post(reverse("xero:authenticate", args=[entity.pk]))
    assert start.status_code == 302, start
    consent = httpx2.get(start["Location"], follow_redirects=False)
    assert consent.status_code == 303
    callback = urlparse(consent.headers["location"])
    return client.get(f"{callback.path}?{callback.query}")


# What Connect Xero Organisation asks besides the organisation, as the sandbox's AU and NZ orgs offer
# it. The go-live date is early, so a test not about going live sends everything it makes.
CONNECT_CHOICES = {
    "AU": {"zero_rate_tax_type": "EXEMPTOUTPUT", "journal_tax_type": "BASEXCLUDED", "payments_account": "10100"},
    "NZ": {"zero_rate_tax_type": "ZERORATED", "journal_tax_type": "NONE", "payments_account": "090"},
}


def connect(client, entity, tenant, **extra):
    country = "NZ" if "NZ" in tenant.name else "AU"
    data = {"tenant": str(tenant.pk), "invoice_status": "AUTHORISED", "go_live_on": "2000-01-01",
            **CONNECT_CHOICES[country], **extra}
    return client.post(reverse("xero:connect_tenant", args=[entity.pk]), data)


def connect_page(client, entity) -> str:
    """Connect Xero Organisation's page as a person reads it (entities decoded, whitespace folded)."""
    page = client.get(reverse("xero:connect_tenant", args=[entity.pk])).content.decode()
    return " ".join(html.unescape(page).split())


def allow_settings_writes(client, entity) -> None:
    """Authenticate again asking for accounting.settings (what creating a tracking option needs)."""
    start = client.post(reverse("xero:authenticate", args=[entity.pk]), {"settings_write": "1"})
    consent = httpx2.get(start["Location"], follow_redirects=False)
    callback = urlparse(consent.headers["location"])
    client.get(f"{callback.path}?{callback.query}")


@pytest.fixture
def books(connected, sandbox, au_entity):
    """Ten invoices for two customers and three journals, all in Xero as BMS sent them (the
    reconciliation's tests plant their differences in these)."""
    from bms.billing.models import Invoice
    from bms.testing.journals import journal_chart
    from bms.xero.tests.test_invoices import _push as push_invoices
    from bms.xero.tests.test_invoices import _released
    from bms.xero.tests.test_journals import _journal
    from bms.xero.tests.test_journals import _push as push_journals

    customers = [f.customer(code="C0001", name="Bright Tools Pty Ltd"),
                 f.customer(code="C0002", name="Hill Engineering Pty Ltd")]
    invoices = _released(au_entity, customers, 10)
    outcome, log = push_invoices(connected, invoices)
    assert outcome.created == 10, log.lines
    journal_chart()
    journals = [_journal(au_entity, date(2026, 4, day)) for day in (21, 22, 23)]
    assert push_journals(connected, journals)[0].created == 3
    sandbox.clear_log()
    return {"invoices": [Invoice.objects.get(pk=i.pk) for i in invoices], "journals": journals,
            "customers": customers}
