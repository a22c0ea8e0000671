"""Connecting to Xero as a person does it: Authenticate with Xero, tick the organisations on the
consent page (the local sandbox's), choose the organisation, and see the entity connected."""

import pytest
from cryptography.fernet import Fernet

from bms.preferences.models import GeneralSettings, IntegrationPackage
from bms.testing import factories as f
from bms.xero.selectors import entity_xero_status
from tests.browser.conftest import log_in
from xero_sandbox.testing import run_sandbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox_for(live_server, settings, tmp_path):
    with run_sandbox(tmp_path / "sandbox") as sandbox:
        callback = f"{live_server.url}/xero/callback/"
        sandbox.control("POST", "clients", client_id="bms-browser", client_secret="browser-secret",
                        name="BMS", redirect_uris=[callback])
        settings.XERO_CLIENT_ID, settings.XERO_CLIENT_SECRET = "bms-browser", "browser-secret"
        settings.XERO_REDIRECT_URI = callback
        settings.BMS_TOKEN_KEYS = [Fernet.generate_key().decode()]
        for name, value in sandbox.urls().items():
            setattr(settings, name, value)
        yield sandbox


def test_it_connects_two_entities_to_one_xero_organisation_through_the_consent_page(page, live_server, sandbox_for,
                                                                                     admin_user):
    GeneralSettings.objects.update_or_create(pk=1, defaults={"integration_package": IntegrationPackage.XERO})
    head_office = f.entity("AU", name="Acme Distribution Pty Ltd")
    warehouse = f.entity("WH", name="Acme Warehouse")
    from bms.core.testing import PASSWORD

    log_in(page, live_server.url, admin_user.username, PASSWORD)
    page.goto(f"{live_server.url}/admin/entities/{head_office.pk}/")
    page.get_by_role("button", name="Authenticate with Xero").click()
    page.wait_for_url("**/identity/connect/authorize**")
    assert "wants access to your Xero organisations" in page.content()
    page.get_by_label("Acme Distribution (Xero NZ)").uncheck()
    page.get_by_role("button", name="Allow access").click()
    page.wait_for_url("**/xero/entities/*/connect/**")
    assert "Authenticated with Xero as Dana Demo: 1 organisation authorised" in page.content()
    page.get_by_label("Acme Distribution (Xero AU)").check()
    page.get_by_role("button", name="Connect").click()
    page.wait_for_url("**/admin/entities/**")
    assert "now posts to Acme Distribution (Xero AU)" in page.content()
    page.goto(f"{live_server.url}/xero/entities/{warehouse.pk}/connect/")
    page.get_by_label("Acme Distribution (Xero AU)").check()
    page.get_by_role("button", name="Connect").click()
    page.wait_for_url("**/admin/entities/**")
    grid = page.locator("table.grid").inner_text()
    assert grid.count("Dana Demo") == 2
    assert entity_xero_status(head_office).tenant == entity_xero_status(warehouse).tenant
