"""Reads about Xero connections, for screens and for the sync engine."""

from __future__ import annotations

from dataclasses import dataclass

from bms.entities.models import Entity
from bms.xero.models import EntityXeroConnection, GrantStatus, XeroTenant


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
        return self.is_connected and (
            self.tenant.grant.status == GrantStatus.NEEDS_REAUTH or bool(self.tenant.auth_problem)
        )

    @property
    def problem(self) -> str:
        if not self.needs_reauthentication:
            return ""
        return self.tenant.auth_problem or self.tenant.grant.status_reason

    @property
    def grant(self):
        return self.tenant.grant if self.is_connected else None


def entity_connection(entity: Entity) -> EntityXeroConnection | None:
    return EntityXeroConnection.objects.select_related("tenant__grant").filter(entity=entity).first()


def entity_xero_status(entity: Entity) -> EntityXeroStatus:
    """The tenant an entity posts to: its own link, else (for a branch that inherits or has no
    link of its own) its organisation's."""
    own = entity_connection(entity)
    if own is not None and own.tenant_id is not None and not own.inherits_from_organisation:
        return EntityXeroStatus(entity=entity, connection=own, tenant=own.tenant, is_inherited=False)
    if entity.organisation_id is not None:
        parent = entity_connection(entity.organisation)
        if parent is not None and parent.tenant_id is not None:
            return EntityXeroStatus(entity=entity, connection=own, tenant=parent.tenant, is_inherited=True)
    return EntityXeroStatus(entity=entity, connection=own, tenant=None, is_inherited=False)


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
