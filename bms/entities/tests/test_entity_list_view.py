import pytest
from django.urls import reverse

from bms.entities.services import entity_create

pytestmark = pytest.mark.django_db
URL = reverse("entities:entity_list")


@pytest.fixture
def sydney():
    organisation = entity_create(kind="organisation", name="Acme Australia", trading_name="Acme Tools", code="AU",
                                 prefix="AU-", time_zone="Australia/Sydney", is_default=True)
    entity_create(kind="branch", organisation=organisation, name="Acme Melbourne", code="MEL", prefix="MEL-")
    return organisation


def test_it_lists_every_entity_in_the_grid(admin_client, sydney):
    response = admin_client.get(URL)
    html = response.content.decode()
    for heading in ("Name", "Trading Name", "Code", "Organisation", "Prefix", "Time zone", "Xero Authenticated?",
                    "Authenticated By"):
        assert f"<th>{heading}</th>" in html
    assert [entity.code for entity in response.context["page_obj"]] == ["AU", "MEL"]
    assert "Acme Tools" in html and "Default (Australia/Sydney)" in html


def test_it_shows_xero_as_not_authenticated_until_connected(admin_client, sydney):
    html = admin_client.get(URL).content.decode()
    assert "<td>No</td><td>—</td>" in html


def test_it_lists_each_organisation_with_its_branches_and_xero_panel(admin_client, sydney):
    response = admin_client.get(URL)
    [organisation] = response.context["organisations"]
    assert [branch.code for branch in organisation.branches.all()] == ["MEL"]
    html = response.content.decode()
    assert "<h2>Organisations</h2>" in html and "1 branch" in html and "Branch: <a" in html
    assert "Xero Integration" in html


def test_it_offers_new_entity_to_an_admin(admin_client):
    assert reverse("entities:entity_create").encode() in admin_client.get(URL).content


def test_it_refuses_staff_and_finance(staff_client, finance_client):
    assert staff_client.get(URL).status_code == 403
    assert finance_client.get(URL).status_code == 403


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    assert client.get(URL).url.startswith(reverse("login"))
