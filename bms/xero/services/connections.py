"""Connecting entities to Xero organisations (PRODUCT.md §3.1).

The flow: `oauth_start` remembers a single-use state and a PKCE verifier in the session and
sends the admin to Xero; `oauth_complete` checks the state, exchanges the code, stores the
grant keyed by the Xero user and the tenants this consent reached; `entity_connect_tenant`
links the entity to one of them, guarding against a silent switch to another organisation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone

from bms.core.audit import audit_record
from bms.core.errors import DomainError
from bms.entities.models import Entity
from bms.jobs.models import Job, JobStatus
from bms.jobs.services import job_enqueue
from bms.preferences.selectors import xero_is_active
from bms.users.models import User
from bms.xero.auth.incidents import incidents_close_after_authentication
from bms.xero.auth.oauth_app import oauth_client
from bms.xero.auth.parking import links_resume_for_grant
from bms.xero.auth.scopes import PAYMENTS_WRITE, SETTINGS_WRITE, grant_has_scope, requested_scopes
from bms.xero.auth.tokens import access_token, grant_store_tokens
from bms.xero.client.errors import AuthError, XeroError
from bms.xero.client.oauth import Connection, TokenSet, XeroOAuth, new_code_verifier
from bms.xero.models import (
    EntityXeroConnection,
    GrantStatus,
    InvoiceLink,
    JournalLink,
    XeroGrant,
    XeroTenant,
)
from bms.xero.selectors import entity_xero_status
from bms.xero.services.declined_words import declined_sentence
from bms.xero.services.go_live_settings import (
    ConnectChoices,
    connection_set_go_live,
    entity_needs_payments_scope,
    tenant_set_choices,
)

SESSION_KEY = "xero_oauth_pending"
STATE_LIFETIME = timedelta(minutes=10)  # Xero's codes live 5 minutes; the consent page needs a little more


class ConnectError(DomainError):
    pass


class RelinkConfirmationRequiredError(ConnectError):
    """Choosing a different organisation than the records were synced to needs an explicit yes."""


@dataclass(frozen=True)
class OAuthResult:
    entity: Entity
    grant: XeroGrant
    tenants: list[XeroTenant]
    return_to: str = ""


def _require_xero_active() -> None:
    if not xero_is_active():
        raise ConnectError(
            "The Xero package is not active. An implementation partner can switch the accounting "
            "integration package to Xero under Admin → General Settings."
        )


def oauth_start(
    *, session: SessionBase, entity: Entity, user: User, return_to: str = "", now: datetime | None = None,
    oauth: XeroOAuth | None = None, settings_write: bool = False, payments: bool = False,
) -> str:
    """Returns the URL of Xero's consent page for this entity. `return_to` must already be a
    checked local path (the view checks it); it comes back in OAuthResult after the callback.

    `settings_write` / `payments` ask for the wider scopes (auth/scopes.py); a wider scope the
    entity's grant already holds is asked again, so re-authenticating never narrows what works."""
    _require_xero_active()
    if not settings.XERO_CLIENT_ID or not settings.XERO_CLIENT_SECRET:
        raise ConnectError("Xero is not configured on this server: XERO_CLIENT_ID and XERO_CLIENT_SECRET are not set.")
    now = now or timezone.now()
    state = secrets.token_urlsafe(32)
    verifier = new_code_verifier()
    pending = {
        key: value
        for key, value in session.get(SESSION_KEY, {}).items()
        if now - datetime.fromisoformat(value["at"]) < STATE_LIFETIME
    }
    # The state binds this one sign-in to this session, this user and this entity: the callback
    # takes the entity from here, never from anything Xero or the browser sends back.
    pending[state] = {"entity_id": entity.pk, "verifier": verifier, "user_id": user.pk, "at": now.isoformat(),
                      "return_to": return_to}
    session[SESSION_KEY] = pending
    granted = entity_xero_status(entity).grant
    held = granted.scopes if granted is not None else ""
    # accounting.payments also when payments entered in BMS before connecting wait to be sent (§3.8).
    payments = (payments or grant_has_scope(held, PAYMENTS_WRITE)
                or entity_needs_payments_scope(entity=entity, now=now))
    scopes = requested_scopes(settings_write=settings_write or grant_has_scope(held, SETTINGS_WRITE),
                              payments=payments)
    client = oauth or oauth_client(scopes=scopes)
    try:
        return client.authorization_url(state=state, code_verifier=verifier)
    finally:
        if oauth is None:
            client.close()


def oauth_complete(
    *, session: SessionBase, state: str, code: str, user: User, now: datetime | None = None,
    oauth: XeroOAuth | None = None,
) -> OAuthResult:
    """Handles Xero's redirect back: verify state, exchange the code, store grant and tenants."""
    now = now or timezone.now()
    entry, entity = _pending_sign_in(session=session, state=state, user=user, now=now)
    tokens, connections = _exchange_code(code=code, code_verifier=entry["verifier"], oauth=oauth)
    with transaction.atomic():
        grant, tenants, before = _grant_store(tokens=tokens, connections=connections, user=user, now=now)
        resumed = incidents_close_after_authentication(grant=grant, tenants=tenants, by=f"re-authenticated by {user}")
        links_resume_for_grant(grant=grant)  # work parked before incidents were recorded
        transaction.on_commit(lambda: _push_resumed(resumed))
        audit_record(
            actor=user,
            action="xero.reauthenticated" if before else "xero.authenticated",
            target=f"entity {entity.code}",
            before=before,
            after={"status": grant.status,
                "xero_user": grant.authenticated_by_email or grant.xero_user_id,
                "tenants": [t.name for t in tenants],
            },
        )
    return OAuthResult(entity=entity, grant=grant, tenants=tenants, return_to=entry.get("return_to", ""))


def oauth_declined(*, session: SessionBase, state: str, error: str, user: User, now: datetime | None = None) -> str:
    """Xero came back with `error=` instead of a code: BMS's sentence for it. Only a state this
    session started (used up here) gets that far; anything else is refused by `_pending_sign_in`
    with BMS's own words, so a link someone else crafted never puts its text on a BMS page."""
    _entry, entity = _pending_sign_in(session=session, state=state, user=user, now=now or timezone.now())
    return f"{declined_sentence(error)} {entity.name} is as it was; use Authenticate with Xero to try again."


def _push_resumed(tenant_ids: list[int]) -> None:
    """The work the incidents held back goes now, not at the next schedule: one push per organisation
    (the engine sends each record once; a push already queued is not doubled)."""
    for tenant in XeroTenant.objects.filter(pk__in=tenant_ids, is_connected=True):
        for kind, what in (("xero.invoices.push", "invoices"), ("xero.journals.push", "cost-of-sales journals")):
            if not Job.objects.filter(kind=kind, status=JobStatus.QUEUED, params__tenant_id=tenant.pk).exists():
                job_enqueue(kind=kind, description=f"Push {what} to {tenant.name} (resumed after re-authentication)",
                            params={"tenant_id": tenant.pk})


def _pending_sign_in(
    *, session: SessionBase, state: str, user: User, now: datetime
) -> tuple[dict[str, Any], Entity]:
    """The sign-in `oauth_start` remembered under this state (used up here), and its entity."""
    pending = session.get(SESSION_KEY, {})
    entry = pending.pop(state, None) if state else None
    session[SESSION_KEY] = pending  # single use, even when what follows fails
    if entry is None or entry.get("user_id") != user.pk:
        raise ConnectError(
            "This Xero sign-in was not started from this session, or was already used. "
            "Start again with Authenticate with Xero."
        )
    if now - datetime.fromisoformat(entry["at"]) >= STATE_LIFETIME:
        raise ConnectError("This Xero sign-in took too long and has expired. Start again with Authenticate with Xero.")
    entity = Entity.objects.filter(pk=entry["entity_id"]).first()
    if entity is None:
        raise ConnectError("The entity this Xero sign-in was started for no longer exists. Nothing was changed.")
    return entry, entity


def _exchange_code(
    *, code: str, code_verifier: str, oauth: XeroOAuth | None
) -> tuple[TokenSet, list[Connection]]:
    """The tokens for Xero's code, and the organisations this consent reached (no database)."""
    client = oauth or oauth_client()
    try:
        tokens = client.exchange_code(code=code, code_verifier=code_verifier)
        if not tokens.xero_user_id:
            raise ConnectError("Xero's answer did not say which Xero user signed in; BMS cannot store the grant.")
        connections = client.connections(access_token=tokens.access_token, auth_event_id=tokens.auth_event_id or None)
    except AuthError:
        raise ConnectError(
            "Xero refused the sign-in code: it may have expired or been used already. "
            "Start again with Authenticate with Xero."
        ) from None
    except XeroError as exc:
        raise ConnectError(f"Xero could not complete the sign-in: {exc.message}. Try again in a few minutes.") from None
    finally:
        if oauth is None:
            client.close()
    return tokens, connections


def _grant_store(
    *, tokens: TokenSet, connections: list[Connection], user: User, now: datetime
) -> tuple[XeroGrant, list[XeroTenant], dict[str, Any]]:
    """Store the grant keyed by its Xero user, and its organisations; returns them and, for a
    re-authentication, the grant as it was (for the audit). Inside the caller's transaction."""
    grant = XeroGrant.objects.select_for_update().filter(xero_user_id=tokens.xero_user_id).first()
    before: dict[str, Any] = {}
    if grant is None:
        grant = XeroGrant(xero_user_id=tokens.xero_user_id)
    else:
        before = {"xero_user": grant.authenticated_by_email or grant.xero_user_id, "status": grant.status,
                  "tenants": sorted(grant.tenants.values_list("name", flat=True))}
    grant_store_tokens(grant=grant, tokens=tokens, now=now)
    grant.refresh_claimed_by, grant.refresh_claimed_until = "", None
    grant.status = GrantStatus.ACTIVE
    grant.status_reason = ""
    grant.authenticated_by_name = tokens.person_name
    grant.authenticated_by_email = tokens.person_email
    grant.authorised_by = user
    grant.authenticated_at = now
    grant.save()
    tenants = []
    for connection in connections:
        if connection.tenant_type != "ORGANISATION":
            continue  # practices have no accounting API
        tenant, _ = XeroTenant.objects.update_or_create(
            xero_tenant_id=connection.xero_tenant_id,
            defaults={
                "name": connection.tenant_name or connection.xero_tenant_id,
                "tenant_type": connection.tenant_type,
                "grant": grant,
                "connection_id": connection.id,
                "auth_event_id": connection.auth_event_id or "",
                "is_connected": True,
                "auth_problem": "",
            },
        )
        tenants.append(tenant)
    return grant, tenants, before


def entity_connect_tenant(
    *,
    entity: Entity,
    user: User,
    tenant: XeroTenant | None = None,
    inherit: bool = False,
    confirm_relink: bool = False,
    invoice_status: str | None = None,
    choices: ConnectChoices | None = None,
    now: datetime | None = None,
) -> EntityXeroConnection:
    """Link the entity to a tenant (or, for a branch, to its organisation's), with its go-live date
    and the organisation's zero-rate tax types and payments account (`choices`)."""
    _require_xero_active()
    now = now or timezone.now()
    if inherit and not entity.is_branch:
        raise ConnectError("Only a branch can use its organisation's Xero connection.", field="tenant")
    if not inherit:
        if tenant is None:
            raise ConnectError("Choose the Xero organisation this entity posts to.", field="tenant")
        if not tenant.is_connected or tenant.grant_id is None:
            raise ConnectError(f"{tenant.name} is no longer connected to BMS. Authenticate with Xero again.",
                               field="tenant")
    with transaction.atomic():
        connection = EntityXeroConnection.objects.select_for_update().filter(entity=entity).first()
        if connection is None:
            connection = EntityXeroConnection(entity=entity)
        target_tenant = tenant
        if inherit and entity.organisation is not None:
            target_tenant = entity_xero_status(entity.organisation).tenant
        if target_tenant is not None:
            _relink_if_confirmed(entity=entity, connection=connection, target_tenant=target_tenant, user=user,
                                 confirm_relink=confirm_relink)
        before = {"tenant": connection.tenant.name if connection.tenant is not None else None,
                  "inherits": connection.inherits_from_organisation}
        connection.tenant = None if inherit else tenant
        connection.inherits_from_organisation = inherit
        if invoice_status:
            connection.invoice_status = invoice_status
        connection.connected_by = user
        connection.connected_at = now
        _apply_choices(connection=connection, entity=entity, tenant=None if inherit else tenant, user=user,
                       choices=choices or ConnectChoices())
        connection.save()
        audit_record(
            actor=user,
            action="xero.entity_connected",
            target=f"entity {entity.code}",
            before=before,
            after={"tenant": target_tenant.name if target_tenant else None, "inherits": inherit},
        )
    return connection


def _apply_choices(*, connection: EntityXeroConnection, entity: Entity, tenant: XeroTenant | None, user: User,
                   choices: ConnectChoices) -> None:
    if choices.go_live_on is not None:
        connection_set_go_live(connection=connection, entity=entity, go_live_on=choices.go_live_on, user=user)
    if tenant is not None:
        tenant_set_choices(tenant=tenant, choices=choices, user=user, entity=entity)


def _relink_if_confirmed(
    *, entity: Entity, connection: EntityXeroConnection, target_tenant: XeroTenant, user: User, confirm_relink: bool
) -> None:
    """Posting to another organisation than the records were synced to forgets their Xero ids, and
    only when the user said so. Inside the caller's transaction, beside its audit event."""
    synced_to = connection.records_xero_tenant_id
    if not synced_to or synced_to == target_tenant.xero_tenant_id:
        return
    synced_name = XeroTenant.objects.filter(xero_tenant_id=synced_to).values_list("name", flat=True).first()
    if not confirm_relink:
        raise RelinkConfirmationRequiredError(
            f"{entity.name}'s customers, invoices and journals were synced to "
            f"{synced_name or 'another Xero organisation'}. Posting to {target_tenant.name} instead "
            "would create them again there. Tick “Relink to this organisation” to confirm: BMS will "
            "forget the Xero identifiers stored for this entity's records (Xero keeps its data).",
            field="confirm_relink",
        )
    cleared = entity_clear_xero_identifiers(entity=entity, connection=connection)
    audit_record(
        actor=user,
        action="xero.relinked",
        target=f"entity {entity.code}",
        before={"tenant": synced_name or synced_to},
        after={"tenant": target_tenant.name},
        message=f"Cleared the Xero identifiers of {cleared} invoice and journal records of this entity.",
    )


def entity_clear_xero_identifiers(*, entity: Entity, connection: EntityXeroConnection) -> int:
    """Forget which Xero records this entity's invoices and journals map to (the relink step);
    returns how many links were cleared. Customers are shared between entities and keep their
    per-organisation contact links. Runs inside the caller's transaction, beside its audit event."""
    old = connection.records_xero_tenant_id
    cleared = InvoiceLink.objects.filter(tenant__xero_tenant_id=old, invoice__entity=entity).delete()[0]
    cleared += JournalLink.objects.filter(tenant__xero_tenant_id=old, journal__entity=entity).delete()[0]
    connection.records_xero_tenant_id = ""
    connection.save(update_fields=["records_xero_tenant_id"])
    return cleared


def entity_remove_authentication(*, entity: Entity, user: User, oauth: XeroOAuth | None = None) -> None:
    """Disconnect the entity. Xero identifiers stored on records are kept (re-authorising to the
    same organisation picks them up again). The Xero connection itself is deleted only when no
    other entity still posts to that organisation."""
    _require_xero_active()
    connection = EntityXeroConnection.objects.select_related("tenant__grant").filter(entity=entity).first()
    if connection is None:
        raise ConnectError(f"{entity.name} is not connected to Xero.")
    tenant = connection.tenant
    with transaction.atomic():
        # records_xero_tenant_id stays: re-connecting to a different organisation is still guarded.
        connection.tenant = None
        connection.inherits_from_organisation = False
        connection.connected_by = None
        connection.connected_at = None
        connection.save()
        audit_record(
            actor=user, action="xero.authentication_removed", target=f"entity {entity.code}",
            before={"tenant": tenant.name if tenant else None},
        )
    if tenant is None or tenant.grant_id is None:
        return
    still_used = EntityXeroConnection.objects.filter(tenant=tenant).exists()
    if still_used or tenant.grant is None or tenant.grant.status != GrantStatus.ACTIVE:
        return
    client = oauth or oauth_client()
    try:
        token = access_token(grant_id=tenant.grant_id, oauth=client)
        if tenant.connection_id:
            client.delete_connection(access_token=token, connection_id=tenant.connection_id)
    except XeroError as exc:
        raise ConnectError(
            f"BMS no longer posts {entity.name} to {tenant.name}, but Xero could not remove the connection "
            f"({exc.message}). You can disconnect BMS from within Xero."
        ) from None
    finally:
        if oauth is None:
            client.close()
    XeroTenant.objects.filter(pk=tenant.pk).update(is_connected=False, connection_id="")
