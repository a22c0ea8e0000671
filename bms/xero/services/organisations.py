"""Does an entity's Xero connection work? (`bms xero_check`, the entity panel.)"""

from __future__ import annotations

from dataclasses import dataclass

from bms.entities.models import Entity
from bms.xero.client.errors import XeroError
from bms.xero.selectors import entity_xero_status
from bms.xero.sync.run import tenant_read_organisation


@dataclass(frozen=True)
class EntityCheck:
    entity: Entity
    ok: bool
    message: str


def entity_check_connection(*, entity: Entity) -> EntityCheck:
    """Does the entity's Xero connection work? Reads its organisation to find out."""
    status = entity_xero_status(entity)
    tenant, grant = status.tenant, status.grant
    if tenant is None or grant is None:
        return EntityCheck(entity, ok=False, message="not connected (Admin → Entities → Authenticate with Xero)")
    if status.needs_reauthentication:
        return EntityCheck(entity, ok=False, message=f"needs re-authentication: {grant.status_reason}")
    try:
        organisation = tenant_read_organisation(tenant=tenant)
    except XeroError as exc:
        return EntityCheck(entity, ok=False, message=f"{tenant.name}: {exc.message}")
    lock = organisation.lock_date
    via = " (inherited)" if status.is_inherited else ""
    return EntityCheck(
        entity,
        ok=True,
        message=f"{organisation.name}{via}, short code {organisation.short_code or '—'}, "
        f"currency {organisation.base_currency or '—'}, lock date {lock.strftime('%d/%m/%Y') if lock else 'none'}",
    )
