"""What a `bms` command's `--entity CODE` (or `--all`) points at: the entity and the Xero organisation
it posts to, or the one clear error an operator can act on. Shared by `bms sync`, its `--dry-run` and
`bms reconcile`, so the three say the same thing for the same mistake."""

from __future__ import annotations

from django.core.management.base import CommandError

from bms.entities.models import Entity
from bms.xero.models import XeroTenant
from bms.xero.selectors import entity_tenant, tenants_in_use


def entity_with_tenant(code: str) -> tuple[Entity, XeroTenant]:
    entity = Entity.objects.filter(code=code).first()
    if entity is None:
        raise CommandError(f"No entity has the code {code!r}.")
    tenant = entity_tenant(entity)
    if tenant is None:
        raise CommandError(f"{entity.name} is not connected to Xero (Admin → Entities).")
    return entity, tenant


def connected_tenants() -> list[XeroTenant]:
    tenants = tenants_in_use()
    if not tenants:
        raise CommandError("No entity is connected to Xero yet.")
    return tenants
