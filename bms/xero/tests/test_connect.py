"""Connecting entities to Xero organisations (PRODUCT.md §3.1), against the sandbox."""

from urllib.parse import parse_qs, urlparse

import httpx2
import pytest
from django.apps import apps
from django.urls import reverse

from bms.core.models import AuditEvent
from bms.entities.models import EntityKind
from bms.testing import factories as f
from bms.xero.models import EntityXeroConnection, GrantStatus, XeroGrant, XeroTenant
from bms.xero.selectors import entity_xero_status
from bms.xero.services.connections import SESSION_KEY
from bms.xero.tests.conftest import authenticate, connect

pytestmark = pytest.mark.django_db


def test_it_connects_an_entity_through_xeros_consent_and_a_second_entity_to_the_same_tenant(
    admin_client, admin_user, xero_settings, xero_active, au_entity, sandbox
):
    response = authenticate(admin_client, au_entity)
    assert response.status_code == 302
    assert response["Location"] == reverse("xero:connect_tenant", args=[au_entity.pk])
    grant = XeroGrant.objects.get()
    assert grant.authenticated_by_email == "dana.demo@example.com" and grant.authenticated_by_name == "Dana Demo"
    assert grant.authorised_by == admin_user and grant.status == GrantStatus.ACTIVE
    assert XeroTenant.objects.count() == 2
    au_tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("AU"))
    page = admin_client.get(reverse("xero:connect_tenant", args=[au_entity.pk]))
    assert b"Acme Distribution (Xero AU)" in page.content
    done = connect(admin_client, au_entity, au_tenant)
    assert done.status_code == 302
    status = entity_xero_status(au_entity)
    assert status.is_connected and status.tenant == au_tenant
    au_tenant.refresh_from_db()
    assert au_tenant.short_code == "!xAu9P"  # the organisation was read after connecting
    other = f.entity("SYD", name="Acme Sydney Warehouse")
    connect(admin_client, other, au_tenant)
    assert entity_xero_status(other).tenant == au_tenant
    listing = admin_client.get(reverse("entities:entity_list"))
    assert listing.content.count(b"Dana Demo") >= 2


def test_it_lets_a_branch_inherit_its_organisations_tenant(admin_client, xero_settings, xero_active, au_entity,
                                                           sandbox):
    authenticate(admin_client, au_entity)
    tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("AU"))
    connect(admin_client, au_entity, tenant)
    branch = f.entity("MEL", kind=EntityKind.BRANCH, organisation=au_entity, time_zone="Australia/Melbourne")
    status = entity_xero_status(branch)
    assert status.is_inherited and status.tenant == tenant
    admin_client.post(reverse("xero:connect_tenant", args=[branch.pk]), {"tenant": "inherit",
                                                                         "invoice_status": "DRAFT",
                                                                         "go_live_on": "2000-01-01"})
    assert EntityXeroConnection.objects.get(entity=branch).inherits_from_organisation


def test_it_refuses_a_mismatched_state_and_a_replayed_code(admin_client, xero_settings, xero_active, au_entity):
    start = admin_client.post(reverse("xero:authenticate", args=[au_entity.pk]))
    consent = httpx2.get(start["Location"], follow_redirects=False)
    query = parse_qs(urlparse(consent.headers["location"]).query)
    forged = admin_client.get(reverse("xero:callback"), {"code": query["code"][0], "state": "forged"}, follow=True)
    assert b"was not started from this session" in forged.content
    assert not XeroGrant.objects.exists()
    # The state was not consumed by the forgery; the real callback works once…
    ok = admin_client.get(reverse("xero:callback"), {"code": query["code"][0], "state": query["state"][0]})
    assert ok.status_code == 302 and XeroGrant.objects.count() == 1
    # …and a replay of the same code and state is refused.
    replay = admin_client.get(reverse("xero:callback"), {"code": query["code"][0], "state": query["state"][0]},
                              follow=True)
    assert b"already used" in replay.content


def test_it_refuses_a_code_xero_rejects(admin_client, xero_settings, xero_active, au_entity):
    start = admin_client.post(reverse("xero:authenticate", args=[au_entity.pk]))
    state = parse_qs(urlparse(start["Location"]).query)["state"][0]
    response = admin_client.get(reverse("xero:callback"), {"code": "not-a-code", "state": state}, follow=True)
    assert b"Xero refused the sign-in code" in response.content


def test_it_sends_pkce_state_and_the_minimum_scopes(admin_client, xero_settings, xero_active, au_entity):
    start = admin_client.post(reverse("xero:authenticate", args=[au_entity.pk]))
    query = parse_qs(urlparse(start["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["scope"][0].split() == [
        "offline_access", "accounting.contacts", "accounting.invoices", "accounting.payments.read",
        "accounting.manualjournals", "accounting.settings.read", "openid", "profile", "email",
    ]
    session_state = admin_client.session[SESSION_KEY]
    assert list(session_state) == query["state"]


def test_it_keeps_the_token_plaintext_out_of_the_database(admin_client, xero_settings, xero_active, au_entity):
    authenticate(admin_client, au_entity)
    from bms.xero.auth.crypto import decrypt_secret

    grant = XeroGrant.objects.get()
    access, refresh = decrypt_secret(grant.access_token_encrypted), decrypt_secret(grant.refresh_token_encrypted)
    # Every row of every table, as text: what a copy of the database would hand an attacker.
    dump = "\n".join(
        repr(row) for model in apps.get_models() for row in model.objects.values_list()
    )
    assert access not in dump and refresh not in dump and access[:40] not in dump
    assert len(dump) > 1000  # the dump really holds the data


def test_it_guards_relinking_to_another_organisation_and_keeps_identifiers_for_the_same_one(
    admin_client, xero_settings, xero_active, au_entity, sandbox
):
    authenticate(admin_client, au_entity)
    au_tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("AU"))
    nz_tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("NZ"))
    connect(admin_client, au_entity, au_tenant)
    EntityXeroConnection.objects.filter(entity=au_entity).update(records_xero_tenant_id=au_tenant.xero_tenant_id)
    same = connect(admin_client, au_entity, au_tenant)
    assert same.status_code == 302
    assert EntityXeroConnection.objects.get(entity=au_entity).records_xero_tenant_id == au_tenant.xero_tenant_id
    refused = connect(admin_client, au_entity, nz_tenant)
    assert refused.status_code == 200 and b"Relink to this organisation" in refused.content
    assert entity_xero_status(au_entity).tenant == au_tenant
    confirmed = connect(admin_client, au_entity, nz_tenant, confirm_relink="on")
    assert confirmed.status_code == 302
    assert entity_xero_status(au_entity).tenant == nz_tenant
    assert EntityXeroConnection.objects.get(entity=au_entity).records_xero_tenant_id == ""
    assert AuditEvent.objects.filter(action="xero.relinked").count() == 1


def test_it_removes_authentication_and_the_xero_connection_when_no_entity_uses_it(
    admin_client, xero_settings, xero_active, au_entity, sandbox
):
    authenticate(admin_client, au_entity)
    tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("AU"))
    connect(admin_client, au_entity, tenant)
    response = admin_client.post(reverse("xero:remove_authentication", args=[au_entity.pk]), follow=True)
    assert b"no longer connected to Xero" in response.content
    assert not entity_xero_status(au_entity).is_connected
    connections = [c["tenant_id"] for c in sandbox.state()["connections"]]
    assert tenant.xero_tenant_id not in connections


def test_it_refuses_finance_and_staff_on_every_connect_action(finance_client, staff_client, xero_settings,
                                                              xero_active, au_entity):
    for client in (finance_client, staff_client):
        assert client.post(reverse("xero:authenticate", args=[au_entity.pk])).status_code == 403
        assert client.get(reverse("xero:connect_tenant", args=[au_entity.pk])).status_code == 403
        assert client.post(reverse("xero:remove_authentication", args=[au_entity.pk])).status_code == 403
        assert client.get(reverse("xero:callback"), {"code": "x", "state": "y"}).status_code == 403


def test_it_makes_no_xero_call_and_says_why_when_the_package_is_not_xero(admin_client, xero_settings, au_entity,
                                                                         sandbox):
    page = admin_client.get(reverse("entities:entity_list"))
    assert b"The Xero package is not active" in page.content and b"Authenticate with Xero" not in page.content
    response = admin_client.post(reverse("xero:authenticate", args=[au_entity.pk]), follow=True)
    assert b"The Xero package is not active" in response.content
    assert sandbox.log() == []


def _started(admin_client, entity) -> tuple[str, dict[str, list[str]]]:
    start = admin_client.post(reverse("xero:authenticate", args=[entity.pk]))
    return start["Location"], parse_qs(urlparse(start["Location"]).query)


def test_it_says_in_its_own_words_that_the_admin_cancelled_in_xero(admin_client, xero_settings, xero_active,
                                                                    au_entity):
    location, query = _started(admin_client, au_entity)
    # The admin presses Deny on the sandbox's consent page; Xero sends them back with error=access_denied.
    form = {name: values[0] for name, values in query.items()} | {"decision": "deny"}
    denied = httpx2.post(location.split("?")[0], data=form, follow_redirects=False)
    back = urlparse(denied.headers["location"])
    assert parse_qs(back.query)["error"] == ["access_denied"]
    response = admin_client.get(f"{back.path}?{back.query}", follow=True)
    assert b"You cancelled the connection in Xero" in response.content
    assert b"access_denied" not in response.content and not XeroGrant.objects.exists()
    # The state is used up: the same answer again is a sign-in this session did not start.
    again = admin_client.get(f"{back.path}?{back.query}", follow=True)
    assert b"was not started from this session" in again.content


@pytest.mark.parametrize(("error", "expected"), [
    ("invalid_request", b"may not match the app at developer.xero.com"),
    ("temporarily_unavailable", b"Try again in a few minutes"),
    ("invalid_scope", b"Xero refused the permissions BMS asked for"),
    ("<b>call 0800 SCAM</b>", b"Xero did not authorise BMS"),
])
def test_it_maps_xeros_error_to_a_bms_sentence_and_never_shows_xeros_text(admin_client, xero_settings, xero_active,
                                                                           au_entity, error, expected):
    _, query = _started(admin_client, au_entity)
    response = admin_client.get(reverse("xero:callback"), {
        "error": error, "error_description": "Call 0800 SCAM to restore your books", "state": query["state"][0],
    }, follow=True)
    assert expected in response.content
    assert b"SCAM" not in response.content and error.encode() not in response.content


@pytest.mark.parametrize("state", ["", "forged"])
def test_it_shows_only_its_own_wording_for_an_error_callback_without_a_valid_state(
    admin_client, xero_settings, xero_active, au_entity, state
):
    _, query = _started(admin_client, au_entity)
    response = admin_client.get(reverse("xero:callback"), {
        "error": "access_denied", "error_description": "Your Xero subscription lapsed: pay at evil.example",
        "state": state,
    }, follow=True)
    assert b"was not started from this session" in response.content
    assert b"evil.example" not in response.content and b"You cancelled" not in response.content
    # A link someone else crafted does not cancel the admin's own sign-in in progress.
    assert query["state"][0] in admin_client.session[SESSION_KEY]
