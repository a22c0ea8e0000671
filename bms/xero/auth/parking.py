"""Parking work while a Xero connection is dead, and resuming it afterwards (PRODUCT.md §3.1).

A revoked or expired grant is not bad data: its pending pushes become `parked` (never `failed`,
never deleted) and go back to `pending` when someone authenticates again. Rows caught mid-send
(`sending`, `uncertain`) keep their state, so they are still looked up in Xero before anything is
created again.
"""

import logging

from django.db import transaction
from django.utils import timezone

from bms.xero.models import ContactLink, GrantStatus, InvoiceLink, JournalLink, LinkStatus, XeroGrant, XeroTenant

logger = logging.getLogger(__name__)

LINK_MODELS = (ContactLink, InvoiceLink, JournalLink)
PARKED_CAUSE = "Xero connection needs re-authentication"


def _links_park(reason: str, **tenant_filter: int) -> int:
    parked = 0
    with transaction.atomic():
        for model in LINK_MODELS:
            parked += model.objects.filter(status=LinkStatus.PENDING, **tenant_filter).update(
                status=LinkStatus.PARKED, last_error=reason[:1000], error_cause=PARKED_CAUSE
            )
    return parked


def links_park_for_grant(*, grant_id: int, reason: str) -> int:
    return _links_park(reason, tenant__grant_id=grant_id)


def links_park_for_tenant(*, tenant_id: int, reason: str) -> int:
    return _links_park(reason, tenant_id=tenant_id)


def links_resume_for_grant(*, grant: XeroGrant) -> int:
    resumed = 0
    with transaction.atomic():
        for model in LINK_MODELS:
            resumed += model.objects.filter(
                tenant__grant=grant, tenant__auth_problem="", status=LinkStatus.PARKED
            ).update(status=LinkStatus.PENDING, last_error="", error_cause="")
    return resumed


def grant_mark_needs_reauthentication(*, grant_id: int, reason: str) -> None:
    """Park the grant: its work waits (not failed) until someone authenticates again."""
    updated = XeroGrant.objects.filter(pk=grant_id).exclude(status=GrantStatus.NEEDS_REAUTH).update(
        status=GrantStatus.NEEDS_REAUTH, status_reason=reason[:255], updated_at=timezone.now()
    )
    if updated:
        parked = links_park_for_grant(grant_id=grant_id, reason=reason)
        logger.warning("xero grant %s needs re-authentication (%s); %s pending pushes parked", grant_id, reason, parked)


def tenant_auth_failed(*, tenant: XeroTenant, status_code: int | None, reason: str) -> None:
    """Xero refused our credentials for this tenant. A 401 with a freshly refreshed token means the
    grant itself is gone; a 403 means this organisation was disconnected from the grant."""
    if status_code == 401 and tenant.grant_id:
        grant_mark_needs_reauthentication(grant_id=tenant.grant_id, reason=reason)
        return
    XeroTenant.objects.filter(pk=tenant.pk).update(auth_problem=reason[:255])
    links_park_for_tenant(tenant_id=tenant.pk, reason=reason)
