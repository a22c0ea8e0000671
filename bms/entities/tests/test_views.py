import pytest
from django.urls import reverse

from bms.entities.models import Entity
from bms.entities.services import entity_create, entity_update

pytestmark = pytest.mark.django_db


def _post(**overrides):
    data = {"kind": "organisation", "name": "Acme AU", "code": "au", "prefix": "AU-", "time_zone": "Australia/Sydney",
            "trading_name": "", "tracking_option_1": "", "tracking_option_2": ""}
    data.update(overrides)
    return data


def test_it_creates_an_organisation_and_a_branch(admin_client):
    assert admin_client.post(reverse("entities:entity_create"), _post()).status_code == 302
    organisation = Entity.objects.get(code="AU")
    response = admin_client.post(reverse("entities:entity_create"), _post(
        kind="branch", organisation=organisation.pk, name="Melbourne", code="MEL", prefix="MEL-", time_zone=""))
    assert response.status_code == 302
    assert Entity.objects.get(code="MEL").organisation == organisation
    listing = admin_client.get(reverse("entities:entity_list"))
    assert b"Organisations" in listing.content and b"Branch:" in listing.content
    assert b"Xero Authenticated?" in listing.content


def test_it_requires_an_organisation_for_a_branch_and_keeps_the_input(admin_client):
    response = admin_client.post(reverse("entities:entity_create"), _post(kind="branch", name="Lonely Branch"))
    assert response.status_code == 200
    assert b"A branch belongs to an organisation" in response.content
    assert b'value="Lonely Branch"' in response.content
    assert not Entity.objects.exists()


def test_it_refuses_an_unknown_time_zone_and_a_duplicate_code(admin_client):
    entity_create(kind="organisation", name="First", code="AU", prefix="AU-")
    bad_zone = admin_client.post(reverse("entities:entity_create"),
                                 _post(code="NZ", prefix="NZ-", time_zone="NZ/Nowhere"))
    assert "Unknown time zone “NZ/Nowhere”".encode() in bad_zone.content
    duplicate = admin_client.post(reverse("entities:entity_create"), _post(prefix="X-"))
    assert b"already used by another entity" in duplicate.content


def test_it_keeps_one_default_entity():
    first = entity_create(kind="organisation", name="First", code="A", prefix="A-", is_default=True)
    second = entity_create(kind="organisation", name="Second", code="B", prefix="B-", is_default=True)
    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)
    entity_update(entity=first, is_default=True)
    second.refresh_from_db()
    assert not second.is_default


def test_it_refuses_staff_on_entity_screens(staff_client, finance_client):
    assert staff_client.get(reverse("entities:entity_list")).status_code == 403
    assert finance_client.get(reverse("entities:entity_create")).status_code == 403
