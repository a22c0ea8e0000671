import pytest
from django.test import Client
from django.urls import reverse

from bms.core.models import AuditEvent
from bms.preferences.models import GeneralSettings
from bms.preferences.selectors import general_settings

pytestmark = pytest.mark.django_db
URL = reverse("preferences:general")

VALID = {
    "default_currency": "aud", "default_time_zone": "Australia/Sydney", "integration_package": "none",
    "invoice_push_interval_minutes": "15",
    "payment_pull_interval_minutes": "60", "journal_run_local_time": "01:00",
    "journal_description_prefix": "B2B Cost of Sales Journal for",
}


def _as_browser_posts_it_for_an_admin(data: dict) -> dict:
    # The package select is disabled for a non-superuser, so a browser never sends it.
    return {name: value for name, value in data.items() if name != "integration_package"}


def test_it_shows_the_package_read_only_with_the_reason_to_an_admin(admin_client):
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert response.context["form"].fields["integration_package"].disabled
    assert b"Only an implementation partner can change the accounting integration package." in response.content
    assert b"Admin \xe2\x86\x92 General Settings" in response.content


def test_it_lets_a_partner_change_the_package_and_audits_it(partner_client, partner_user):
    assert not partner_client.get(URL).context["form"].fields["integration_package"].disabled
    response = partner_client.post(URL, {**VALID, "integration_package": "xero"})
    assert response.status_code == 302
    assert general_settings().integration_package == "xero"
    event = AuditEvent.objects.get(action="settings.package_changed")
    assert event.actor == partner_user
    assert (event.before["integration_package"], event.after["integration_package"]) == ("none", "xero")


def test_it_refuses_a_crafted_package_change_from_an_admin_and_saves_nothing(admin_client):
    response = admin_client.post(URL, {**VALID, "integration_package": "xero", "default_currency": "NZD"})
    assert response.status_code == 200
    assert "Only an implementation partner" in response.context["form"].errors["integration_package"][0]
    row = GeneralSettings.objects.get()
    assert (row.integration_package, row.default_currency) == ("none", "AUD")


def test_it_saves_an_admins_other_settings_and_normalises_the_currency(admin_client, admin_user):
    response = admin_client.post(URL, _as_browser_posts_it_for_an_admin({**VALID, "default_currency": " nzd "}))
    assert response.status_code == 302
    row = GeneralSettings.objects.get()
    assert (row.default_currency, row.invoice_push_interval_minutes, row.integration_package) == ("NZD", 15, "none")
    assert AuditEvent.objects.get(action="settings.changed").actor == admin_user


def test_it_shows_an_unknown_time_zone_at_the_field_and_keeps_the_input(admin_client):
    response = admin_client.post(URL, _as_browser_posts_it_for_an_admin({**VALID, "default_time_zone": "Mars/Olympus"}))
    assert response.status_code == 200
    assert response.context["form"].errors["default_time_zone"] == [
        "Unknown time zone “Mars/Olympus”: use a name like Australia/Sydney."]
    assert b'value="Mars/Olympus"' in response.content
    assert general_settings().default_time_zone == "Australia/Sydney"


def test_it_refuses_a_currency_that_is_not_iso_4217(admin_client):
    response = admin_client.post(URL, _as_browser_posts_it_for_an_admin({**VALID, "default_currency": "ZZZ"}))
    assert response.context["form"].errors["default_currency"] == ["ZZZ is not an ISO 4217 currency code."]
    assert b'value="ZZZ"' in response.content


def test_it_refuses_a_zero_minute_schedule(admin_client):
    data = _as_browser_posts_it_for_an_admin({**VALID, "invoice_push_interval_minutes": "0"})
    response = admin_client.post(URL, data)
    assert "invoice_push_interval_minutes" in response.context["form"].errors
    assert general_settings().invoice_push_interval_minutes == 15


def test_it_refuses_staff_and_finance(staff_client, finance_client):
    assert staff_client.get(URL).status_code == 403
    assert finance_client.get(URL).status_code == 403
    assert finance_client.post(URL, VALID).status_code == 403


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_it_refuses_a_post_without_a_csrf_token(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(URL, _as_browser_posts_it_for_an_admin({**VALID, "default_currency": "NZD"})).status_code == 403
    assert general_settings().default_currency == "AUD"


@pytest.mark.parametrize(("field", "value"), [
    ("invoice_push_interval_minutes", "-5"), ("invoice_push_interval_minutes", "0"),
    ("payment_pull_interval_minutes", "99999"), ("payment_pull_interval_minutes", "2.5"),
    ("default_currency", "ZZZ"), ("default_currency", "12"), ("default_time_zone", "Mars/Olympus"),
    ("journal_run_local_time", "25:99"), ("journal_description_prefix", "   "),
])
def test_one_bad_value_gets_one_message(admin_client, field, value):
    """Issue 17: -5 minutes drew both "greater than or equal to 0" and "… to 1"."""
    response = admin_client.post(URL, _as_browser_posts_it_for_an_admin({**VALID, field: value}))
    form = response.context["form"]
    assert list(form.errors) == [field] and len(form.errors[field]) == 1, form.errors
    if field.endswith("_minutes"):
        assert form.errors[field] == ["Enter a whole number of minutes from 1 to 1440 (a day)."]
