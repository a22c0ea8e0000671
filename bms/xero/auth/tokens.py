"""The token source every Xero call uses, and the only code that refreshes tokens.

Refresh tokens rotate: a refresh returns a new one and the old one dies (after a 30-minute
grace). Two processes refreshing the same grant at once would leave one of them holding a dead
token and, after the grace period, kill the connection (xero-notes trap 7). So one process at a
time refreshes a grant: it claims the refresh with a short lease on the grant row (a conditional
UPDATE, committed — the database is what every worker shares), calls Xero with no transaction or
lock held, and stores the new tokens only while its claim still stands. The others wait for the
stored tokens. The refresh token is replaced only once Xero's answer is in hand, so a refresh whose
answer was lost is recovered by asking again with the same token inside Xero's 30-minute grace.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from bms.xero.auth.crypto import decrypt_secret, encrypt_secret
from bms.xero.auth.incidents import grant_refused
from bms.xero.auth.oauth_app import oauth_client
from bms.xero.client.api import TOKEN_FRESH_S
from bms.xero.client.errors import AuthError, RetryableError, UncertainError
from bms.xero.client.oauth import TokenSet, XeroOAuth
from bms.xero.models import GrantStatus, XeroGrant

logger = logging.getLogger(__name__)

# A token reaches Xero at most 2 × TOKEN_FRESH_S after it is read (client/api.py): refresh with room to spare.
REFRESH_MARGIN = timedelta(seconds=3 * TOKEN_FRESH_S)
LOST_RESPONSE_RETRIES = 2
CLAIM_POLL_S = 0.05  # how often a process waiting for another's refresh looks again


class GrantNeedsReauthenticationError(AuthError):
    """The grant is dead (revoked, expired or disconnected): a person must authenticate again."""


def _needs_refresh(grant: XeroGrant, now: datetime) -> bool:
    return grant.access_expires_at - now <= REFRESH_MARGIN


def _claim_ttl() -> timedelta:
    # Long enough for every try of one refresh to time out; a holder that died frees it after that.
    return timedelta(seconds=(LOST_RESPONSE_RETRIES + 1) * settings.XERO_TIMEOUT_S + 30)


def _claimant() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def grant_store_tokens(*, grant: XeroGrant, tokens: TokenSet, now: datetime) -> None:
    """Write a fresh token set onto the grant (the caller saves it)."""
    grant.access_token_encrypted = encrypt_secret(tokens.access_token)
    grant.refresh_token_encrypted = encrypt_secret(tokens.refresh_token)
    grant.access_expires_at = now + timedelta(seconds=tokens.expires_in)
    grant.refreshed_at = now
    if tokens.scope:
        grant.scopes = tokens.scope


def _dead(grant: XeroGrant) -> GrantNeedsReauthenticationError:
    return GrantNeedsReauthenticationError(grant.status_reason or "the Xero connection needs re-authentication")


def access_token(*, grant_id: int, now: datetime | None = None, oauth: XeroOAuth | None = None) -> str:
    """A valid access token for the grant, refreshed first when it is about to expire."""
    now = now or timezone.now()
    grant = XeroGrant.objects.get(pk=grant_id)
    if grant.status == GrantStatus.NEEDS_REAUTH:
        raise _dead(grant)
    if not _needs_refresh(grant, now):
        return decrypt_secret(grant.access_token_encrypted)
    return grant_refresh(grant_id=grant_id, now=now, oauth=oauth)


def grant_refresh(
    *, grant_id: int, now: datetime | None = None, oauth: XeroOAuth | None = None, force: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Refresh the grant's tokens (or wait for the process that is refreshing them); returns the
    access token to use."""
    now = now or timezone.now()
    claimant = _claimant()
    seen_refresh_at = None
    while True:
        grant = XeroGrant.objects.get(pk=grant_id)
        if grant.status == GrantStatus.NEEDS_REAUTH:
            raise _dead(grant)
        refreshed_meanwhile = seen_refresh_at is not None and grant.refreshed_at != seen_refresh_at
        if refreshed_meanwhile or (not force and not _needs_refresh(grant, now)):
            return decrypt_secret(grant.access_token_encrypted)
        seen_refresh_at = grant.refreshed_at
        if _claim(grant, claimant):
            return _refresh_claimed(grant, claimant, now=now, oauth=oauth)
        sleep(CLAIM_POLL_S)  # another process is refreshing: its tokens will be stored in a moment


def grant_refresh_after_expiry(*, grant_id: int, expired_token: str) -> None:
    """Xero said TokenExpired to `expired_token` before its stored expiry: refresh now, through the
    same claim as every refresh — unless the grant already holds another token (a process that met
    the same 401 refreshed first), which the retry then uses."""
    grant = XeroGrant.objects.get(pk=grant_id)
    if grant.status == GrantStatus.NEEDS_REAUTH:
        raise _dead(grant)
    if decrypt_secret(grant.access_token_encrypted) == expired_token:
        grant_refresh(grant_id=grant_id, force=True)


def _claim(grant: XeroGrant, claimant: str) -> bool:
    """Claim the refresh of this version of the grant's tokens; committed at once (autocommit)."""
    now = timezone.now()
    return bool(
        XeroGrant.objects.filter(pk=grant.pk, refreshed_at=grant.refreshed_at)
        .filter(Q(refresh_claimed_until__isnull=True) | Q(refresh_claimed_until__lt=now))
        .update(refresh_claimed_by=claimant, refresh_claimed_until=now + _claim_ttl())
    )


def _refresh_claimed(grant: XeroGrant, claimant: str, *, now: datetime, oauth: XeroOAuth | None) -> str:
    mine = XeroGrant.objects.filter(pk=grant.pk, refresh_claimed_by=claimant)
    client = oauth or oauth_client()
    try:
        tokens = _refresh_with_lost_response_retry(client, decrypt_secret(grant.refresh_token_encrypted))
    except AuthError as exc:
        mine.update(refresh_claimed_by="", refresh_claimed_until=None)
        reason = f"Xero refused the refresh ({exc.oauth_error or exc.status_code}); authenticate again"
        grant_refused(grant_id=grant.pk, detail=str(exc.oauth_error or exc.status_code))
        raise GrantNeedsReauthenticationError(reason) from None
    except BaseException:
        mine.update(refresh_claimed_by="", refresh_claimed_until=None)  # the old token still works: retry later
        raise
    finally:
        if oauth is None:
            client.close()
    grant_store_tokens(grant=grant, tokens=tokens, now=now)
    stored = mine.update(
        access_token_encrypted=grant.access_token_encrypted, refresh_token_encrypted=grant.refresh_token_encrypted,
        access_expires_at=grant.access_expires_at, refreshed_at=grant.refreshed_at, scopes=grant.scopes,
        refresh_claimed_by="", refresh_claimed_until=None, updated_at=timezone.now(),
    )
    if not stored:
        # Our claim lapsed and another process refreshed meanwhile: its tokens are the ones to keep.
        logger.warning("xero grant %s: a slow refresh was overtaken; using the stored tokens", grant.pk)
        return decrypt_secret(XeroGrant.objects.get(pk=grant.pk).access_token_encrypted)
    logger.info("xero grant %s refreshed", grant.pk)
    return tokens.access_token


def _refresh_with_lost_response_retry(client: XeroOAuth, refresh_token: str) -> TokenSet:
    # If the answer to a refresh is lost, Xero may already have rotated the token; the old one
    # stays valid for the grace period, so asking again with the same token is safe.
    for attempt in range(LOST_RESPONSE_RETRIES + 1):
        try:
            return client.refresh(refresh_token=refresh_token)
        except UncertainError:
            if attempt == LOST_RESPONSE_RETRIES:
                raise
    raise AssertionError("unreachable")


def grants_due_keep_alive(
    *, now: datetime | None = None, idle_for: timedelta = timedelta(days=30)
) -> QuerySet[XeroGrant]:
    """Grants idle long enough that their refresh token should be exercised (60-day expiry)."""
    now = now or timezone.now()
    return XeroGrant.objects.filter(status=GrantStatus.ACTIVE, refreshed_at__lte=now - idle_for)


class KeepAliveLog(Protocol):
    """Where the keep-alive reports each grant (a job's context; sync/log.py's SyncLog fits)."""

    def info(self, message: str, *, record: str = "", cause: str = "") -> None: ...

    def warning(self, message: str, *, record: str = "", cause: str = "") -> None: ...

    def error(self, message: str, *, record: str = "", cause: str = "") -> None: ...


def grants_keep_alive(*, now: datetime | None = None, log: KeepAliveLog | None = None) -> tuple[int, int]:
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
