"""Who did what to the Xero integration lands in the audit log; the OAuth handshake refuses what a
session did not start and never redirects off the site. Against the sandbox."""

from urllib.parse import parse_qs, urlencode, urlparse

import httpx2
import pytest
from django.test import Client
from django.urls import reverse

from bms.core.models import AuditEvent
from bms.core.testing import make_user
from bms.jobs.models import Job
from bms.testing import factories as f
from bms.xero.models import XeroGrant, XeroTenant
from bms.xero.services.connections import SESSION_KEY
from bms.xero.tests.conftest import CONNECT_CHOICES, authenticate, connect

pytestmark = pytest.mark.django_db


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_it_audits_authentication_re_authentication_connection_and_removal(
    admin_client, admin_user, xero_settings, xero_active, au_entity, sandbox
):
    authenticate(admin_client, au_entity)
    [first] = _events("xero.authenticated")
    assert first.actor == admin_user and first.target == "entity AU" and first.before == {}
    assert first.after["xero_user"] == "dana.demo@example.com" and len(first.after["tenants"]) == 2
    tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("AU"))
    connect(admin_client, au_entity, tenant)
    [connected] = _events("xero.entity_connected")
    assert connected.before == {"tenant": None, "inherits": False}
    assert connected.after == {"tenant": tenant.name, "inherits": False}
    authenticate(admin_client, au_entity)
    [again] = _events("xero.reauthenticated")
    assert again.before["xero_user"] == "dana.demo@example.com" and again.before["status"] == "active"
    assert again.after["status"] == "active"
    admin_client.post(reverse("xero:remove_authentication", args=[au_entity.pk]))
    [removed] = _events("xero.authentication_removed")
    assert removed.before == {"tenant": tenant.name} and removed.actor == admin_user


def test_it_audits_bulk_syncs_with_the_jobs_they_queued(admin_client, admin_user, connected):
    admin_client.post(reverse("xero:customers_sync_all"))
    admin_client.post(reverse("xero:invoices_push_all"))
    admin_client.post(reverse("xero:chart_sync"), {"tenant": connected.pk})
    events = _events("xero.bulk_sync")
    assert [event.target for event in events] == ["customers", "invoices", "accounts and tax rates"]
    for event in events:
        assert event.actor == admin_user
        assert all(Job.objects.filter(pk=pk).exists() for pk in event.after["jobs"])


def test_it_audits_deleting_a_customers_xero_link(admin_client, connected, django_capture_on_commit_callbacks):
    customer = f.customer(code="C0777", name="Button Customer Pty Ltd")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("xero:customer_sync", args=[customer.pk]))
    admin_client.post(reverse("xero:customer_unlink", args=[customer.pk]))
    [event] = _events("xero.contact_unlinked")
    assert event.target == "customer C0777" and event.before["xero_id"], [j.result for j in Job.objects.all()]


# --- OAuth edge cases --------------------------------------------------------------------------


def _start(client, entity, **data):
    start = client.post(reverse("xero:authenticate", args=[entity.pk]), data)
    consent = httpx2.get(start["Location"], follow_redirects=False)
    return parse_qs(urlparse(consent.headers["location"]).query)


def test_it_refuses_a_code_and_state_started_by_another_session(
    admin_client, xero_settings, xero_active, au_entity, sandbox
):
    query = _start(admin_client, au_entity)
    # Another admin (a victim sent a crafted link, or an attacker replaying someone's redirect).
    other = Client()
    other.force_login(make_user("olive_other", role="admin"))
    response = other.get(reverse("xero:callback"), {"code": query["code"][0], "state": query["state"][0]},
                         follow=True)
    assert b"was not started from this session" in response.content
    assert not XeroGrant.objects.exists()
    # The code was never exchanged (Xero's codes are single-use): the session that started it still can.
    ok = admin_client.get(reverse("xero:callback"), {"code": query["code"][0], "state": query["state"][0]})
    assert ok.status_code == 302 and XeroGrant.objects.count() == 1


def test_it_refuses_a_state_started_by_another_user_in_the_same_session(
    admin_client, partner_user, xero_settings, xero_active, au_entity
):
    query = _start(admin_client, au_entity)
    admin_client.force_login(partner_user)  # same browser, someone else logged in since
    response = admin_client.get(reverse("xero:callback"), {"code": query["code"][0], "state": query["state"][0]},
                                follow=True)
    assert b"was not started from this session" in response.content and not XeroGrant.objects.exists()


def test_it_binds_each_state_to_the_entity_it_was_started_for(
    admin_client, xero_settings, xero_active, au_entity, sandbox
):
    nz_entity = f.entity("NZ", name="Acme NZ Ltd", time_zone="Pacific/Auckland")
    au_query = _start(admin_client, au_entity)
    nz_query = _start(admin_client, nz_entity)
    assert len(admin_client.session[SESSION_KEY]) == 2
    nz = admin_client.get(reverse("xero:callback"), {"code": nz_query["code"][0], "state": nz_query["state"][0]})
    assert nz["Location"] == reverse("xero:connect_tenant", args=[nz_entity.pk])
    au = admin_client.get(reverse("xero:callback"), {"code": au_query["code"][0], "state": au_query["state"][0]})
    assert au["Location"] == reverse("xero:connect_tenant", args=[au_entity.pk])
    # A code paired with the other entity's (now used) state is refused.
    crossed = admin_client.get(reverse("xero:callback"), {"code": au_query["code"][0],
                                                          "state": nz_query["state"][0]}, follow=True)
    assert b"already used" in crossed.content


def test_it_refuses_a_state_whose_entity_was_deleted_since(admin_client, xero_settings, xero_active, sandbox):
    doomed = f.entity("TMP", name="Short-lived Pty Ltd")
    query = _start(admin_client, doomed)
    doomed.delete()
    response = admin_client.get(reverse("xero:callback"), {"code": query["code"][0], "state": query["state"][0]},
                                follow=True)
    assert response.status_code == 200 and b"no longer exists" in response.content
    assert not XeroGrant.objects.exists()


@pytest.mark.parametrize("hostile", [
    "https://evil.example/steal", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
    "http://testserver.evil.example/", "\x00/admin/", "/" + "a" * 5000,
])
def test_it_never_returns_to_an_address_outside_bms(admin_client, xero_settings, xero_active, au_entity, sandbox,
                                                    hostile):
    query = _start(admin_client, au_entity, next=hostile)
    callback = admin_client.get(reverse("xero:callback"), {"code": query["code"][0], "state": query["state"][0]})
    assert callback["Location"] == reverse("xero:connect_tenant", args=[au_entity.pk])
    tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("AU"))
    done = admin_client.post(f"{reverse('xero:connect_tenant', args=[au_entity.pk])}?{urlencode({'next': hostile})}",
                             {"tenant": str(tenant.pk), "invoice_status": "AUTHORISED",
                                                       "go_live_on": "2000-01-01", **CONNECT_CHOICES["AU"]})
    if "\x00" in hostile:
        assert done.status_code == 400  # refused before any view (RefuseNulCharactersMiddleware)
    else:
        assert done["Location"] == reverse("entities:entity_list")


def test_it_returns_to_the_page_the_admin_started_from(admin_client, xero_settings, xero_active, au_entity, sandbox):
    detail = reverse("entities:entity_detail", args=[au_entity.pk])
    query = _start(admin_client, au_entity, next=detail)
    callback = admin_client.get(reverse("xero:callback"), {"code": query["code"][0], "state": query["state"][0]})
    connect_page = reverse("xero:connect_tenant", args=[au_entity.pk])
    assert callback["Location"] == f"{connect_page}?next=%2Fadmin%2Fentities%2F{au_entity.pk}%2F"
    tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("AU"))
    done = admin_client.post(callback["Location"], {"tenant": str(tenant.pk), "invoice_status": "AUTHORISED",
                                                       "go_live_on": "2000-01-01", **CONNECT_CHOICES["AU"]})
    assert done["Location"] == detail


def test_it_puts_the_current_page_in_the_authenticate_form(admin_client, xero_settings, xero_active, au_entity):
    page = admin_client.get(reverse("entities:entity_list"))
    assert b'name="next" value="/admin/entities/"' in page.content
