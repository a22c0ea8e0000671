"""The scopes the connect flow asks Xero for (PRODUCT.md §3.1, xero-notes §1.3): the minimum, and a
wider one only when an admin turns on what needs it, said on the consent step."""

from urllib.parse import parse_qs, urlparse

import httpx2
import pytest
from django.urls import reverse

from bms.xero.auth.scopes import grant_has_scope, requested_scopes
from bms.xero.models import XeroGrant

BASE = ["offline_access", "accounting.contacts", "accounting.invoices", "accounting.payments.read",
        "accounting.manualjournals", "accounting.settings.read", "openid", "profile", "email"]


def test_it_asks_the_minimum_unless_a_wider_scope_is_turned_on(settings):
    settings.XERO_SCOPES = " ".join(BASE)
    assert requested_scopes() == BASE
    wide = requested_scopes(settings_write=True)
    assert "accounting.settings" in wide and "accounting.settings.read" not in wide
    assert "accounting.payments.read" in wide and "accounting.payments" not in wide
    both = requested_scopes(settings_write=True, payments=True)
    assert {"accounting.settings", "accounting.payments"} <= set(both)
    assert not {"accounting.settings.read", "accounting.payments.read"} & set(both)
    assert grant_has_scope("openid accounting.settings", "accounting.settings")
    assert not grant_has_scope("accounting.settings.read", "accounting.settings")


def _scope_asked(location: str) -> list[str]:
    return parse_qs(urlparse(location).query)["scope"][0].split()


@pytest.mark.django_db
def test_the_consent_step_says_why_the_wider_settings_scope_is_asked(admin_client, au_entity):
    page = admin_client.get(reverse("xero:consent", args=[au_entity.pk]), {"settings_write": "1"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "accounting.settings</code>" in text and "accounting.settings.read" not in text
    assert "Asked because you chose to create tracking options in Xero from BMS." in text
    assert 'name="settings_write" value="1"' in text


@pytest.mark.django_db
def test_authenticating_for_tracking_options_asks_accounting_settings_and_xero_grants_it(
    admin_client, xero_settings, xero_active, au_entity, sandbox
):
    plain = admin_client.post(reverse("xero:authenticate", args=[au_entity.pk]))
    assert "accounting.settings.read" in _scope_asked(plain["Location"])
    assert "accounting.settings" not in _scope_asked(plain["Location"])

    start = admin_client.post(reverse("xero:authenticate", args=[au_entity.pk]), {"settings_write": "1"})
    assert "accounting.settings" in _scope_asked(start["Location"])
    consent = httpx2.get(start["Location"], follow_redirects=False)
    callback = urlparse(consent.headers["location"])
    admin_client.get(f"{callback.path}?{callback.query}")
    assert grant_has_scope(XeroGrant.objects.get().scopes, "accounting.settings")
