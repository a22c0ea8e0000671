import pytest
from django.urls import reverse

from bms.core.models import AuditEvent
from bms.preferences.models import GeneralSettings
from bms.preferences.selectors import general_settings

pytestmark = pytest.mark.django_db

VALID = {
    "default_currency": "aud", "default_time_zone": "Australia/Sydney", "integration_package": "xero",
    "tracking_category_1_name": "Region", "tracking_category_2_name": "", "invoice_push_interval_minutes": "15",
    "payment_pull_interval_minutes": "60", "journal_run_local_time": "01:00",
    "journal_description_prefix": "B2B Cost of Sales Journal for",
}


def test_it_lets_a_partner_change_the_integration_package_and_audits_it(partner_client, partner_user):
    response = partner_client.post(reverse("preferences:general"), VALID)
    assert response.status_code == 302
    assert general_settings().integration_package == "xero"
    assert general_settings().default_currency == "AUD"
    event = AuditEvent.objects.get(action="settings.package_changed")
    assert event.actor == partner_user and event.before["integration_package"] == "none"


def test_it_ignores_a_crafted_package_change_from_an_admin(admin_client):
    response = admin_client.post(reverse("preferences:general"), {**VALID, "tracking_category_1_name": "Area"})
    assert response.status_code == 302
    settings_row = GeneralSettings.objects.get()
    assert settings_row.integration_package == "none"  # the disabled field ignores the posted value
    assert settings_row.tracking_category_1_name == "Area"


def test_it_refuses_the_package_change_in_the_service_too(admin_user):
    from bms.core.errors import DomainError
    from bms.preferences.services import general_settings_update

    with pytest.raises(DomainError, match="implementation partner"):
        general_settings_update(user=admin_user, integration_package="xero")


def test_it_shows_an_unknown_time_zone_at_the_field_and_keeps_the_input(admin_client):
    response = admin_client.post(reverse("preferences:general"), {**VALID, "default_time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "Unknown time zone “Mars/Olympus”".encode() in response.content
    assert b'value="Mars/Olympus"' in response.content
    assert general_settings().default_time_zone == "Australia/Sydney"


def test_it_refuses_staff_and_finance(staff_client, finance_client):
    assert staff_client.get(reverse("preferences:general")).status_code == 403
    assert finance_client.post(reverse("preferences:general"), VALID).status_code == 403
