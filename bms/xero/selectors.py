"""Reads about Xero connections, for screens and for the sync engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from django.db.models import Exists, OuterRef, Q, QuerySet

from bms.billing.models import CreditNote, CreditNoteStatus, CreditSource, Invoice, InvoiceStatus
from bms.cogs.models import CostOfSalesJournal
from bms.customers.models import Customer
from bms.entities.models import Entity
from bms.xero.auth.parking import links_parked_count
from bms.xero.models import (
    ContactLink,
    CreditNoteLink,
    EntityXeroConnection,
    GrantStatus,
    InvoiceLink,
    JournalLink,
    LinkStatus,
    XeroGrant,
    XeroTenant,
)


@dataclass(frozen=True)
class EntityXeroStatus:
    entity: Entity
    connection: EntityXeroConnection | None
    tenant: XeroTenant | None
    is_inherited: bool

    @property
    def is_connected(self) -> bool:
        return self.tenant is not None and self.tenant.is_connected and self.tenant.grant_id is not None

    @property
    def needs_reauthentication(self) -> bool:
        tenant, grant = self.tenant, self.grant
        return tenant is not None and grant is not None and (
            grant.status == GrantStatus.NEEDS_REAUTH or bool(tenant.auth_problem)
        )

    @property
    def problem(self) -> str:
        tenant, grant = self.tenant, self.grant
        if tenant is None or grant is None or not self.needs_reauthentication:
            return ""
        return tenant.auth_problem or grant.status_reason

    @property
    def grant(self) -> XeroGrant | None:
        """The connection's grant; None when not connected (a tenant without a grant is not)."""
        return self.tenant.grant if self.tenant is not None and self.tenant.is_connected else None


def entity_connection(entity: Entity) -> EntityXeroConnection | None:
    return EntityXeroConnection.objects.select_related("tenant__grant").filter(entity=entity).first()


def entity_xero_status(entity: Entity) -> EntityXeroStatus:
    """The tenant an entity posts to: its own link, else (for a branch that inherits or has no
    link of its own) its organisation's."""
    own = entity_connection(entity)
    if own is not None and own.tenant_id is not None and not own.inherits_from_organisation:
        return EntityXeroStatus(entity=entity, connection=own, tenant=own.tenant, is_inherited=False)
    if entity.organisation is not None:
        parent = entity_connection(entity.organisation)
        if parent is not None and parent.tenant_id is not None:
            return EntityXeroStatus(entity=entity, connection=own, tenant=parent.tenant, is_inherited=True)
    return EntityXeroStatus(entity=entity, connection=own, tenant=None, is_inherited=False)


def entity_xero_statuses(entities: list[Entity]) -> dict[int, EntityXeroStatus]:
    """entity_xero_status for a page of entities, from one read of their and their organisations'
    connections."""
    wanted = {e.pk for e in entities} | {e.organisation_id for e in entities if e.organisation_id is not None}
    connections = {c.entity_id: c for c in
                   EntityXeroConnection.objects.select_related("tenant__grant").filter(entity_id__in=wanted)}
    statuses = {}
    for entity in entities:
        own = connections.get(entity.pk)
        parent = connections.get(entity.organisation_id) if entity.organisation_id is not None else None
        if own is not None and own.tenant_id is not None and not own.inherits_from_organisation:
            status = EntityXeroStatus(entity=entity, connection=own, tenant=own.tenant, is_inherited=False)
        elif parent is not None and parent.tenant_id is not None:
            status = EntityXeroStatus(entity=entity, connection=own, tenant=parent.tenant, is_inherited=True)
        else:
            status = EntityXeroStatus(entity=entity, connection=own, tenant=None, is_inherited=False)
        statuses[entity.pk] = status
    return statuses


def entity_tenant(entity: Entity) -> XeroTenant | None:
    status = entity_xero_status(entity)
    return status.tenant if status.is_connected else None


def tenants_available() -> list[XeroTenant]:
    """Tenants an entity may choose: connected organisations reached by an active grant."""
    return list(
        XeroTenant.objects.select_related("grant")
        .filter(is_connected=True, grant__isnull=False, tenant_type="ORGANISATION")
        .order_by("name")
    )


def entities_for_tenant(tenant: XeroTenant) -> list[Entity]:
    """Entities whose records go to this tenant: linked to it directly, or branches that inherit
    (or have no link of their own) from an organisation linked to it."""
    direct = set(
        EntityXeroConnection.objects.filter(tenant=tenant, inherits_from_organisation=False).values_list(
            "entity_id", flat=True
        )
    )
    branches = Entity.objects.filter(organisation_id__in=direct).exclude(
        xero_connection__inherits_from_organisation=False, xero_connection__tenant__isnull=False
    )
    ids = direct | set(branches.values_list("pk", flat=True))
    return list(Entity.objects.filter(pk__in=ids).order_by("name"))


def tenants_in_use() -> list[XeroTenant]:
    """Connected tenants that at least one entity posts to and whose connection works."""
    used = EntityXeroConnection.objects.filter(tenant__isnull=False).values_list("tenant_id", flat=True)
    return list(
        XeroTenant.objects.select_related("grant")
        .filter(pk__in=used, is_connected=True, grant__status=GrantStatus.ACTIVE, auth_problem="")
        .order_by("name")
    )


def invoices_due_for_push(tenant: XeroTenant, *, include_failed: bool = False) -> QuerySet[Invoice]:
    """Released invoices of the tenant's entities that Xero doesn't have as they are now.

    A failed invoice is not re-sent by the schedule until it changes (or someone re-triggers it
    with include_failed): resending what Xero refused only burns the tenant's call budget."""
    links = InvoiceLink.objects.filter(tenant=tenant, invoice=OuterRef("pk"))
    # A DIFFERS invoice is in Xero as written: sent again only once it changes in BMS (the repair).
    up_to_date = links.filter(status__in=[LinkStatus.SYNCED, LinkStatus.DIFFERS],
                              revision_pushed__gte=OuterRef("revision"))
    # Dated before go-live: history, never sent (moving the date earlier resets these links).
    waiting = links.filter(status__in=[LinkStatus.PARKED, LinkStatus.BEFORE_GO_LIVE])
    refused = links.filter(status=LinkStatus.FAILED, updated_at__gte=OuterRef("updated_at"))
    in_xero = links.filter(xero_id__isnull=False)
    queryset = (
        Invoice.objects.filter(entity__in=entities_for_tenant(tenant))
        .filter(
            Q(status__in=[InvoiceStatus.APPROVED, InvoiceStatus.PROCESSED, InvoiceStatus.COMPLETED])
            # A cancelled invoice Xero already has must be voided there.
            | Q(status=InvoiceStatus.CANCELLED) & Exists(in_xero)
        )
        .exclude(Exists(up_to_date))
        .exclude(Exists(waiting))
    )
    if not include_failed:
        queryset = queryset.exclude(Exists(refused))
    return queryset.order_by("pk")


def credit_notes_due_for_push(tenant: XeroTenant, *, include_failed: bool = False) -> QuerySet[CreditNote]:
    """Released credit notes made in BMS, of the tenant's entities, that Xero doesn't hold as they
    are now (a cancelled one Xero holds is voided there); the rules are the invoices'."""
    links = CreditNoteLink.objects.filter(tenant=tenant, credit_note=OuterRef("pk"))
    up_to_date = links.filter(status__in=[LinkStatus.SYNCED, LinkStatus.DIFFERS],
                              revision_pushed__gte=OuterRef("revision"))
    waiting = links.filter(status__in=[LinkStatus.PARKED, LinkStatus.BEFORE_GO_LIVE])
    refused = links.filter(status=LinkStatus.FAILED, updated_at__gte=OuterRef("updated_at"))
    queryset = (
        CreditNote.objects.filter(entity__in=entities_for_tenant(tenant), source=CreditSource.BMS)
        .filter(Q(status__in=[CreditNoteStatus.APPROVED, CreditNoteStatus.PROCESSED, CreditNoteStatus.COMPLETED])
                | Q(status=CreditNoteStatus.CANCELLED) & Exists(links.filter(xero_id__isnull=False)))
        .exclude(Exists(up_to_date)).exclude(Exists(waiting))
    )
    if not include_failed:
        queryset = queryset.exclude(Exists(refused))
    return queryset.order_by("pk")


def customers_due_for_sync(tenant: XeroTenant, *, include_failed: bool = False) -> QuerySet[Customer]:
    """Active customers of invoices in this tenant's entities whose contact isn't up to date."""
    links = ContactLink.objects.filter(tenant=tenant, customer=OuterRef("pk"))
    up_to_date = links.filter(status=LinkStatus.SYNCED, last_pushed_at__gte=OuterRef("updated_at"))
    refused = links.filter(status=LinkStatus.FAILED, updated_at__gte=OuterRef("updated_at"))
    queryset = Customer.objects.filter(is_active=True).exclude(Exists(up_to_date)).exclude(
        Exists(links.filter(status=LinkStatus.PARKED))
    )
    if not include_failed:
        queryset = queryset.exclude(Exists(refused))
    return queryset.order_by("pk")


def journals_due_for_push(
    tenant: XeroTenant, *, include_failed: bool = False
) -> QuerySet[CostOfSalesJournal]:
    """Journals of the tenant's entities that Xero doesn't have yet, oldest trading day first.

    A journal Xero refused (a lock date, an archived account) is held: the schedule does not send it
    again until someone presses Push now, so a locked period is not retried forever."""
    links = JournalLink.objects.filter(tenant=tenant, journal=OuterRef("pk"))
    queryset = (
        CostOfSalesJournal.objects.filter(entity__in=entities_for_tenant(tenant))
        .exclude(Exists(links.filter(status__in=[LinkStatus.SYNCED, LinkStatus.PARKED, LinkStatus.BEFORE_GO_LIVE])))
    )
    if not include_failed:
        queryset = queryset.exclude(Exists(links.filter(status=LinkStatus.FAILED)))
    return queryset.select_related("entity").order_by("journaled_on", "pk")


class ParkedTenant(TypedDict):
    tenant: XeroTenant
    parked: int  # link rows parked, all record kinds
    reason: str


def tenants_with_parked_work() -> list[ParkedTenant]:
    """Connected organisations whose work is parked (waiting for re-authentication) or held back
    by Xero (a 429's wait), with how many records are parked."""
    rows: list[ParkedTenant] = []
    for tenant in XeroTenant.objects.select_related("grant").order_by("name"):
        parked = links_parked_count(where=Q(tenant=tenant))
        if parked or tenant.auth_problem or (tenant.grant and tenant.grant.status == GrantStatus.NEEDS_REAUTH):
            rows.append({"tenant": tenant, "parked": parked,
                         "reason": tenant.auth_problem or (tenant.grant.status_reason if tenant.grant else "")})
    return rows


def grants_needing_reauthentication() -> QuerySet[XeroGrant]:
    return XeroGrant.objects.filter(status=GrantStatus.NEEDS_REAUTH).prefetch_related("tenants").order_by("pk")
