import pytest
from django.test import Client
from django.urls import reverse

from bms.entities.models import Entity
from bms.entities.services import entity_create

pytestmark = pytest.mark.django_db
CREATE = reverse("entities:entity_create")


def _post(**overrides):
    data = {"kind": "organisation", "organisation": "", "name": "Acme AU", "trading_name": "", "code": "au",
            "prefix": "AU-", "time_zone": "Australia/Sydney"}
    return {**data, **overrides}


def test_it_creates_an_organisation_then_a_branch_of_it(admin_client):
    assert admin_client.post(CREATE, _post()).status_code == 302
    organisation = Entity.objects.get(code="AU")
    response = admin_client.post(CREATE, _post(kind="branch", organisation=organisation.pk, name="Melbourne",
                                               code="MEL", prefix="MEL-", time_zone=""))
    branch = Entity.objects.get(code="MEL")
    assert response.url == reverse("entities:entity_detail", args=[branch.pk])
    assert (branch.organisation, branch.time_zone) == (organisation, "")


def test_it_shows_a_branch_without_organisation_at_the_field_and_keeps_the_input(admin_client):
    response = admin_client.post(CREATE, _post(kind="branch", name="Lonely Branch"))
    assert response.status_code == 200
    assert response.context["form"].errors["organisation"] == ["A branch belongs to an organisation: choose one."]
    assert b'value="Lonely Branch"' in response.content
    assert not Entity.objects.exists()


def test_it_shows_an_unknown_time_zone_at_the_field(admin_client):
    response = admin_client.post(CREATE, _post(time_zone="NZ/Nowhere"))
    assert "Unknown time zone “NZ/Nowhere”" in response.context["form"].errors["time_zone"][0]
    assert b'value="NZ/Nowhere"' in response.content


def test_it_shows_a_duplicate_code_at_the_field(admin_client):
    entity_create(kind="organisation", name="First", code="AU", prefix="A-")
    response = admin_client.post(CREATE, _post(name="Second", prefix="B-"))
    assert response.context["form"].errors["code"] == ["The code AU is already used by another entity."]
    assert b'value="Second"' in response.content


def test_it_hands_the_default_flag_over_from_the_form(admin_client):
    old = entity_create(kind="organisation", name="Old", code="OLD", prefix="OLD-", is_default=True)
    assert admin_client.post(CREATE, _post(is_default="on")).status_code == 302
    old.refresh_from_db()
    assert not old.is_default and Entity.objects.get(code="AU").is_default


def test_it_edits_an_entity(admin_client):
    entity = entity_create(kind="organisation", name="Acme", code="AU", prefix="AU-")
    form = admin_client.get(reverse("entities:entity_edit", args=[entity.pk])).context["form"]
    assert form.initial["code"] == "AU"
    response = admin_client.post(reverse("entities:entity_edit", args=[entity.pk]),
                                 _post(name="Acme Australia", trading_name="Acme Machinery"))
    assert response.status_code == 302
    entity.refresh_from_db()
    assert (entity.name, entity.trading_name) == ("Acme Australia", "Acme Machinery")


def test_it_refuses_staff_and_finance(staff_client, finance_client):
    assert staff_client.get(CREATE).status_code == 403
    assert finance_client.post(CREATE, _post()).status_code == 403
    assert not Entity.objects.exists()


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    assert client.get(CREATE).url.startswith(reverse("login"))


def test_it_refuses_a_post_without_a_csrf_token(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(CREATE, _post()).status_code == 403
    assert not Entity.objects.exists()
