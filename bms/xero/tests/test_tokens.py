"""The token source: refresh before expiry, rotation, a revoked grant parked and resumed."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from bms.testing import factories as f
from bms.xero.auth.crypto import decrypt_secret
from bms.xero.auth.tokens import GrantNeedsReauthenticationError, access_token
from bms.xero.models import ContactLink, GrantStatus, LinkStatus, XeroGrant
from bms.xero.tests.conftest import authenticate

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


class _RecordingOAuth:
    """Xero's token endpoint as seen from inside a refresh: records whether a transaction (and so a
    lock on the grant row) was open while the call was made."""

    def __init__(self, answer, *, lost_first: int = 0):
        self.answer, self.lost_first, self.calls = answer, lost_first, []

    def refresh(self, *, refresh_token):
        from django.db import connection

        from bms.xero.client.errors import UncertainError

        self.calls.append((refresh_token, connection.in_atomic_block))
        if len(self.calls) <= self.lost_first:
            raise UncertainError("no answer from Xero (ReadTimeout)")
        return self.answer


def _token_set(n: int):
    from bms.xero.client.oauth import TokenSet

    return TokenSet.model_validate({"access_token": f"access-{n}", "refresh_token": f"refresh-{n}",
                                    "expires_in": 1800, "token_type": "Bearer"})


@pytest.mark.django_db(transaction=True)
def test_it_calls_xero_for_a_refresh_with_no_transaction_open_and_keeps_the_token_until_the_answer_is_in(connected):
    from bms.xero.auth.tokens import grant_refresh

    grant = XeroGrant.objects.get()
    stored_refresh = decrypt_secret(grant.refresh_token_encrypted)
    oauth = _RecordingOAuth(_token_set(2), lost_first=1)

    assert grant_refresh(grant_id=grant.pk, oauth=oauth, force=True) == "access-2"

    # The lost answer was recovered by asking again with the same stored token (Xero's grace period).
    assert oauth.calls == [(stored_refresh, False), (stored_refresh, False)]
    grant.refresh_from_db()
    assert decrypt_secret(grant.refresh_token_encrypted) == "refresh-2"
    assert (grant.refresh_claimed_by, grant.refresh_claimed_until) == ("", None)


@pytest.mark.django_db(transaction=True)
def test_a_process_that_finds_the_refresh_claimed_waits_for_the_stored_tokens_without_calling_xero(connected):
    from bms.xero.auth.tokens import grant_refresh, grant_store_tokens

    grant = XeroGrant.objects.get()
    XeroGrant.objects.filter(pk=grant.pk).update(refresh_claimed_by="worker-2:77:1",
                                                 refresh_claimed_until=timezone.now() + timedelta(minutes=1))
    oauth = _RecordingOAuth(_token_set(9))

    def the_other_process_finishes(_seconds):
        other = XeroGrant.objects.get(pk=grant.pk)
        grant_store_tokens(grant=other, tokens=_token_set(3), now=timezone.now())
        other.refresh_claimed_by, other.refresh_claimed_until = "", None
        other.save()

    token = grant_refresh(grant_id=grant.pk, oauth=oauth, force=True, sleep=the_other_process_finishes)

    assert token == "access-3" and oauth.calls == []


@pytest.mark.django_db(transaction=True)
def test_a_refresh_claimed_by_a_process_that_died_is_taken_over_once_the_claim_lapses(connected):
    from bms.xero.auth.tokens import grant_refresh

    grant = XeroGrant.objects.get()
    XeroGrant.objects.filter(pk=grant.pk).update(refresh_claimed_by="dead-worker:1:1",
                                                 refresh_claimed_until=timezone.now() - timedelta(seconds=1))
    oauth = _RecordingOAuth(_token_set(4))

    assert grant_refresh(grant_id=grant.pk, oauth=oauth, force=True) == "access-4"
    assert len(oauth.calls) == 1


def _expire_in_xero(sandbox, *, refresh: bool = False) -> None:
    sandbox.expire_tokens(sandbox.state()["grants"][0]["grant_id"], refresh=refresh)


def test_a_token_xero_expired_early_is_refreshed_once_and_the_call_goes_through(connected, sandbox):
    from bms.xero.models import XeroAttempt, XeroIncident
    from bms.xero.tests.conftest import xero_client

    grant = XeroGrant.objects.get()
    before = decrypt_secret(grant.access_token_encrypted)
    _expire_in_xero(sandbox)  # BMS still thinks the token has most of its 30 minutes left
    with xero_client(connected) as client:
        organisation = client.get_organisations()
    assert organisation
    grant.refresh_from_db()
    assert grant.status == GrantStatus.ACTIVE and decrypt_secret(grant.access_token_encrypted) != before
    assert not XeroIncident.objects.exists()  # nothing parked, nobody mailed
    outcomes = list(XeroAttempt.objects.filter(operation="getOrganisations").order_by("pk")
                    .values_list("status_code", "outcome"))[-2:]
    assert outcomes == [(401, "auth"), (200, "ok")]


def test_a_token_expired_again_after_the_refresh_is_a_dead_grant(connected, sandbox, monkeypatch):
    from bms.xero.auth import tokens
    from bms.xero.client.errors import AuthError
    from bms.xero.tests.conftest import xero_client

    real_refresh = tokens.grant_refresh

    def refresh_then_expire_again(**kwargs):
        token = real_refresh(**kwargs)
        _expire_in_xero(sandbox)  # Xero refuses the new token as well
        return token

    monkeypatch.setattr(tokens, "grant_refresh", refresh_then_expire_again)
    _expire_in_xero(sandbox)
    with pytest.raises(AuthError), xero_client(connected) as client:
        client.get_organisations()
    assert XeroGrant.objects.get().status == GrantStatus.NEEDS_REAUTH


def test_a_refresh_token_xero_expired_too_parks_the_grant_for_re_authentication(connected, sandbox):
    from bms.xero.tests.conftest import xero_client

    _expire_in_xero(sandbox, refresh=True)
    with pytest.raises(GrantNeedsReauthenticationError), xero_client(connected) as client:
        client.get_organisations()
    assert XeroGrant.objects.get().status == GrantStatus.NEEDS_REAUTH
