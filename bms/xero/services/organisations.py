"""Reading a tenant's organisation: short code (for View in Xero links), currency and lock dates."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from bms.entities.models import Entity
from bms.xero.client.errors import XeroError
from bms.xero.client.schemas import Organisation
from bms.xero.models import XeroTenant
from bms.xero.selectors import entity_xero_status
from bms.xero.sync.tenant_client import accounting_client


def tenant_read_organisation(*, tenant: XeroTenant) -> Organisation:
    with accounting_client(tenant) as client:
        organisations = client.get_organisations()
    if not organisations:
        raise XeroError(f"Xero returned no organisation for {tenant.name}")
    organisation = organisations[0]
    XeroTenant.objects.filter(pk=tenant.pk).update(
        name=organisation.name or tenant.name,
        short_code=organisation.short_code or "",
        base_currency=organisation.base_currency or "",
        country_code=(organisation.country_code or "")[:2],
        period_lock_date=organisation.period_lock_date,
        end_of_year_lock_date=organisation.end_of_year_lock_date,
        organisation_read_at=timezone.now(),
    )
    tenant.refresh_from_db()
    return organisation


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
