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
    if not status.is_connected:
        return EntityCheck(entity, False, "not connected (Admin → Entities → Authenticate with Xero)")
    if status.needs_reauthentication:
        return EntityCheck(entity, False, f"needs re-authentication: {status.grant.status_reason}")
    try:
        organisation = tenant_read_organisation(tenant=status.tenant)
    except XeroError as exc:
        return EntityCheck(entity, False, f"{status.tenant.name}: {exc.message}")
    lock = organisation.lock_date
    via = " (inherited)" if status.is_inherited else ""
    return EntityCheck(
        entity,
        True,
        f"{organisation.name}{via}, short code {organisation.short_code or '—'}, "
        f"currency {organisation.base_currency or '—'}, lock date {lock.strftime('%d/%m/%Y') if lock else 'none'}",
    )
