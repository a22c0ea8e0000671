"""The token source: refresh before expiry, rotation, a revoked grant parked and resumed."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from bms.testing import factories as f
from bms.xero.crypto import decrypt_secret
from bms.xero.models import ContactLink, GrantStatus, LinkStatus, XeroGrant
from bms.xero.tests.conftest import authenticate
from bms.xero.tokens import GrantNeedsReauthenticationError, access_token

pytestmark = pytest.mark.django_db


def test_it_refreshes_shortly_before_expiry_and_saves_the_rotated_refresh_token(connected):
    grant = XeroGrant.objects.get()
    old_refresh = decrypt_secret(grant.refresh_token_encrypted)
    old_access = access_token(grant_id=grant.pk)  # far from expiry: no refresh
    assert decrypt_secret(XeroGrant.objects.get().refresh_token_encrypted) == old_refresh
    XeroGrant.objects.filter(pk=grant.pk).update(access_expires_at=timezone.now() + timedelta(seconds=30))
    new_access = access_token(grant_id=grant.pk)
    grant.refresh_from_db()
    assert new_access != old_access
    assert decrypt_secret(grant.refresh_token_encrypted) != old_refresh
    assert decrypt_secret(grant.previous_refresh_token_encrypted) == old_refresh
    assert grant.access_expires_at > timezone.now() + timedelta(minutes=29)


def test_it_parks_pending_work_when_the_grant_is_revoked_and_resumes_it_after_re_authentication(
    admin_client, connected, sandbox, au_entity
):
    customer = f.customer()
    link = ContactLink.objects.create(tenant=connected, customer=customer)
    grant = XeroGrant.objects.get()
    sandbox_grant = sandbox.state()["grants"][0]["grant_id"]
    sandbox.control("POST", f"grants/{sandbox_grant}/revoke")
    XeroGrant.objects.filter(pk=grant.pk).update(access_expires_at=timezone.now())
    with pytest.raises(GrantNeedsReauthenticationError):
        access_token(grant_id=grant.pk)
    grant.refresh_from_db()
    link.refresh_from_db()
    assert grant.status == GrantStatus.NEEDS_REAUTH and "invalid_grant" in grant.status_reason
    assert link.status == LinkStatus.PARKED and link.last_error  # parked, not failed
    page = admin_client.get(reverse("entities:entity_list"))
    assert b"Needs re-authentication" in page.content
    authenticate(admin_client, au_entity)
    grant.refresh_from_db()
    link.refresh_from_db()
    assert grant.status == GrantStatus.ACTIVE and link.status == LinkStatus.PENDING


def test_it_checks_each_entitys_connection(connected, au_entity, capsys):
    f.entity("NZ", time_zone="Pacific/Auckland")
    with pytest.raises(CommandError, match="1 entity cannot reach Xero"):
        call_command("xero_check")
    out = capsys.readouterr().out
    assert "AU" in out and "OK" in out and "Acme Distribution (Xero AU)" in out and "short code !xAu9P" in out
    assert "NZ" in out and "not connected" in out


def test_it_rotates_the_token_keys_and_keeps_the_tokens_readable(connected, settings):
    from cryptography.fernet import Fernet

    grant = XeroGrant.objects.get()
    plain = decrypt_secret(grant.refresh_token_encrypted)
    settings.BMS_TOKEN_KEYS = [Fernet.generate_key().decode(), *settings.BMS_TOKEN_KEYS]
    call_command("rotate_token_keys")
    settings.BMS_TOKEN_KEYS = settings.BMS_TOKEN_KEYS[:1]  # the old key is gone
    assert decrypt_secret(XeroGrant.objects.get().refresh_token_encrypted) == plain
