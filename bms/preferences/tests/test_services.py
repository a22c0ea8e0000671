from datetime import time

import pytest

from bms.core.errors import DomainError
from bms.core.models import AuditEvent
from bms.preferences.services import general_settings_update

pytestmark = pytest.mark.django_db


def test_it_refuses_a_package_change_from_anyone_but_a_superuser(admin_user):
    with pytest.raises(DomainError, match="implementation partner") as refused:
        general_settings_update(user=admin_user, integration_package="xero")
    assert refused.value.field == "integration_package"


def test_it_lets_an_admin_resend_the_unchanged_package(admin_user):
    row = general_settings_update(user=admin_user, integration_package="none", default_currency="NZD")
    assert row.default_currency == "NZD"


def test_it_lets_a_superuser_change_the_package(partner_user):
    row = general_settings_update(user=partner_user, integration_package="quickbooks")
    assert row.integration_package == "quickbooks"


@pytest.mark.parametrize(("fields", "field"), [
    ({"default_currency": "AU"}, "default_currency"),
    ({"default_currency": "XYZ"}, "default_currency"),
    ({"default_time_zone": "Australia/Atlantis"}, "default_time_zone"),
    ({"invoice_push_interval_minutes": 0}, "invoice_push_interval_minutes"),
    ({"payment_pull_interval_minutes": 24 * 60 + 1}, "payment_pull_interval_minutes"),
    ({"journal_description_prefix": "  "}, "journal_description_prefix"),
    ({"integration_package": "sage"}, "integration_package"),
])
def test_it_names_the_field_of_each_bad_value(partner_user, fields, field):
    with pytest.raises(DomainError) as refused:
        general_settings_update(user=partner_user, **fields)
    assert refused.value.field == field


def test_it_refuses_a_setting_it_does_not_know(partner_user):
    with pytest.raises(TypeError):
        general_settings_update(user=partner_user, secret_key="x")


def test_it_audits_only_what_changed(admin_user):
    general_settings_update(user=admin_user, journal_run_local_time=time(2, 30), default_currency="AUD")
    event = AuditEvent.objects.get()
    assert (event.action, event.before, event.after) == (
        "settings.changed", {"journal_run_local_time": "01:00:00"}, {"journal_run_local_time": "02:30:00"})
    general_settings_update(user=admin_user, journal_run_local_time=time(2, 30))
    assert AuditEvent.objects.count() == 1
