import pytest
from django.urls import reverse

from bms.entities.services import entity_create

pytestmark = pytest.mark.django_db


def test_it_shows_an_entity_with_the_default_time_zone_spelled_out(admin_client):
    entity = entity_create(kind="organisation", name="Acme", code="AU", prefix="AU-")
    response = admin_client.get(reverse("entities:entity_detail", args=[entity.pk]))
    assert response.context["zone"] == "Australia/Sydney"
    assert b"the default in General Settings" in response.content
    assert b"Xero Integration" in response.content


def test_it_refuses_staff(staff_client):
    entity = entity_create(kind="organisation", name="Acme", code="AU", prefix="AU-")
    assert staff_client.get(reverse("entities:entity_detail", args=[entity.pk])).status_code == 403
