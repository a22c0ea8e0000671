"""The token source every Xero call uses, and the only code that refreshes tokens.

Refresh tokens rotate: a refresh returns a new one and the old one dies (after a 30-minute
grace). Two processes refreshing the same grant at once would leave one of them holding a dead
token and, after the grace period, kill the connection (xero-notes trap 7). So a refresh happens
under a row lock on the grant, re-reads the grant inside the lock (another process may have just
refreshed), and commits the new refresh token before anyone uses the new access token.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from bms.xero.auth.crypto import decrypt_secret, encrypt_secret
from bms.xero.auth.oauth_app import oauth_client
from bms.xero.auth.parking import grant_mark_needs_reauthentication
from bms.xero.client.errors import AuthError, RetryableError, UncertainError
from bms.xero.client.oauth import TokenSet, XeroOAuth
from bms.xero.models import GrantStatus, XeroGrant

logger = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(seconds=60)  # refresh this long before the access token expires
REFRESH_GRACE = timedelta(minutes=30)  # Xero honours the previous refresh token this long
LOST_RESPONSE_RETRIES = 2


class GrantNeedsReauthenticationError(AuthError):
    """The grant is dead (revoked, expired or disconnected): a person must authenticate again."""


def _needs_refresh(grant: XeroGrant, now: datetime) -> bool:
    return grant.access_expires_at - now <= REFRESH_MARGIN


def grant_store_tokens(*, grant: XeroGrant, tokens: TokenSet, now: datetime, rotated_from: str | None = None) -> None:
    """Write a fresh token set onto the grant (the caller saves it)."""
    grant.access_token_encrypted = encrypt_secret(tokens.access_token)
    grant.refresh_token_encrypted = encrypt_secret(tokens.refresh_token)
    if rotated_from is not None:
        grant.previous_refresh_token_encrypted = encrypt_secret(rotated_from)
        grant.previous_refresh_token_valid_until = now + REFRESH_GRACE
    grant.access_expires_at = now + timedelta(seconds=tokens.expires_in)
    grant.refreshed_at = now
    if tokens.scope:
        grant.scopes = tokens.scope


def access_token(*, grant_id: int, now: datetime | None = None, oauth: XeroOAuth | None = None) -> str:
    """A valid access token for the grant, refreshed first when it is about to expire."""
    now = now or timezone.now()
    grant = XeroGrant.objects.get(pk=grant_id)
    if grant.status == GrantStatus.NEEDS_REAUTH:
        raise GrantNeedsReauthenticationError(grant.status_reason or "the Xero connection needs re-authentication")
    if not _needs_refresh(grant, now):
        return decrypt_secret(grant.access_token_encrypted)
    return grant_refresh(grant_id=grant_id, now=now, oauth=oauth)


def grant_refresh(
    *, grant_id: int, now: datetime | None = None, oauth: XeroOAuth | None = None, force: bool = False
) -> str:
    """Refresh under the grant's row lock; returns the access token to use."""
    now = now or timezone.now()
    dead_reason = None
    with transaction.atomic():
        grant = XeroGrant.objects.select_for_update().get(pk=grant_id)
        if grant.status == GrantStatus.NEEDS_REAUTH:
            raise GrantNeedsReauthenticationError(grant.status_reason or "the Xero connection needs re-authentication")
        if not force and not _needs_refresh(grant, now):
            # Someone else refreshed while we waited for the lock.
            return decrypt_secret(grant.access_token_encrypted)
        old_refresh_token = decrypt_secret(grant.refresh_token_encrypted)
        client = oauth or oauth_client()
        try:
            tokens = _refresh_with_lost_response_retry(client, old_refresh_token)
        except AuthError as exc:
            dead_reason = f"Xero refused the refresh ({exc.oauth_error or exc.status_code}); authenticate again"
        else:
            grant_store_tokens(grant=grant, tokens=tokens, now=now, rotated_from=old_refresh_token)
            grant.save()
            logger.info("xero grant %s refreshed", grant_id)
            return tokens.access_token
        finally:
            if oauth is None:
                client.close()
    # Outside the transaction, so the mark is not rolled back with it.
    grant_mark_needs_reauthentication(grant_id=grant_id, reason=dead_reason)
    raise GrantNeedsReauthenticationError(dead_reason)


def _refresh_with_lost_response_retry(client: XeroOAuth, refresh_token: str) -> TokenSet:
    # If the response to a refresh is lost, Xero may already have rotated the token; the old one
    # stays valid for the grace period, so asking again with the same token is safe.
    for attempt in range(LOST_RESPONSE_RETRIES + 1):
        try:
            return client.refresh(refresh_token=refresh_token)
        except UncertainError:
            if attempt == LOST_RESPONSE_RETRIES:
                raise
    raise AssertionError("unreachable")


def grants_due_keep_alive(*, now: datetime | None = None, idle_for: timedelta = timedelta(days=30)):
    """Grants idle long enough that their refresh token should be exercised (60-day expiry)."""
    now = now or timezone.now()
    return XeroGrant.objects.filter(status=GrantStatus.ACTIVE, refreshed_at__lte=now - idle_for)


def grants_keep_alive(*, now: datetime | None = None, log=None) -> tuple[int, int]:
    """Refresh every grant idle for more than 30 days, well inside Xero's 60-day expiry.
    Returns (refreshed, dead). A grant Xero refuses is marked needs-re-authentication."""
    now = now or timezone.now()
    refreshed = dead = 0
    for grant in grants_due_keep_alive(now=now):
        try:
            grant_refresh(grant_id=grant.pk, now=now, force=True)
        except GrantNeedsReauthenticationError as exc:
            dead += 1
            if log is not None:
                log.error(str(exc), record=f"Xero grant of {grant}", cause="Xero connection needs re-authentication")
        except (RetryableError, UncertainError) as exc:
            # The refresh token is still good for weeks; tomorrow's run tries again.
            if log is not None:
                log.warning(
                    f"Could not reach Xero ({exc.message}); trying again tomorrow.", record=f"Xero grant of {grant}"
                )
        else:
            refreshed += 1
            if log is not None:
                log.info("Refreshed to keep the connection alive.", record=f"Xero grant of {grant}")
    return refreshed, dead
