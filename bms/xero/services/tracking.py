"""Tracking from Xero (PRODUCT.md §3.8): read the organisation's categories into BMS, choose an
entity's tracking from them, and create an option in Xero on request.

Reading (`tenant_read_tracking`, with the organisation) uses includeArchived=true and never
deletes: what Xero no longer returns is marked DELETED, so a choice that pointed at it says so.
It also settles free text carried over from before: an entity whose old "Region: Sydney" names an
active Xero option gets that option; otherwise it keeps showing "choose tracking".

Creating an option is a write to Xero, exactly once: a deterministic Idempotency-Key, and after
an uncertain outcome a fresh read finds the option before anything is sent again. It needs the
`accounting.settings` scope, which BMS asks for only when an admin chooses to create options.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import suppress

from django.db import transaction
from django.utils import timezone

from bms.core.audit import audit_record
from bms.core.errors import DomainError
from bms.entities.models import Entity
from bms.users.models import User
from bms.xero.auth.scopes import SETTINGS_WRITE, grant_has_scope
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.errors import UncertainError
from bms.xero.client.schemas import TrackingCategory, TrackingOption
from bms.xero.models import XeroTenant
from bms.xero.models_tracking import EntityTracking, TrackingStatus, XeroTrackingCategory, XeroTrackingOption
from bms.xero.selectors import entities_for_tenant, entity_tenant


class TrackingError(DomainError):
    pass


class SettingsScopeNeededError(TrackingError):
    """Creating in Xero needs accounting.settings, which this connection was not granted."""


def _status(value: str | None) -> str:
    return value if value in TrackingStatus.values else TrackingStatus.ACTIVE


def tracking_store_categories(*, tenant: XeroTenant, categories: Sequence[TrackingCategory]) -> None:
    """Keep what Xero returned (includeArchived=true) and settle carried-over free text."""
    now = timezone.now()
    with transaction.atomic():
        seen_categories, seen_options = set(), set()
        for category in categories:
            if not category.tracking_category_id:
                continue
            row, _ = XeroTrackingCategory.objects.update_or_create(
                tenant=tenant, xero_tracking_category_id=category.tracking_category_id,
                defaults={"name": category.name, "status": _status(category.status), "read_at": now})
            seen_categories.add(row.pk)
            for option in category.options or []:
                if option.tracking_option_id:
                    kept, _ = XeroTrackingOption.objects.update_or_create(
                        category=row, xero_tracking_option_id=option.tracking_option_id,
                        defaults={"name": option.name, "status": _status(option.status)})
                    seen_options.add(kept.pk)
        gone = XeroTrackingCategory.objects.filter(tenant=tenant).exclude(pk__in=seen_categories)
        gone.update(status=TrackingStatus.DELETED, read_at=now)
        XeroTrackingOption.objects.filter(category__tenant=tenant).exclude(pk__in=seen_options).update(
            status=TrackingStatus.DELETED)
        _settle_carried_over(tenant)


def _settle_carried_over(tenant: XeroTenant) -> None:
    """Free text from before tracking came from Xero → the matching active option, when there is one."""
    rows = EntityTracking.objects.filter(entity__in=entities_for_tenant(tenant), option__isnull=True) \
        .exclude(legacy_option_name="")
    for row in rows:
        match = XeroTrackingOption.objects.filter(
            category__tenant=tenant, category__status=TrackingStatus.ACTIVE, status=TrackingStatus.ACTIVE,
            category__name__iexact=row.legacy_category_name, name__iexact=row.legacy_option_name).first()
        if match is not None:
            row.option, row.legacy_category_name, row.legacy_option_name = match, "", ""
            row.save(update_fields=["option", "legacy_category_name", "legacy_option_name", "updated_at"])


def tenant_read_tracking(*, tenant: XeroTenant, client: XeroAccountingClient) -> list[TrackingCategory]:
    """Read the organisation's tracking categories (archived ones too) and keep them."""
    categories = client.get_tracking_categories(include_archived=True)
    tracking_store_categories(tenant=tenant, categories=categories)
    return categories


def options_offered(tenant: XeroTenant) -> list[XeroTrackingOption]:
    """What an entity may choose: active options of active categories, as last read."""
    return list(XeroTrackingOption.objects.select_related("category").filter(
        category__tenant=tenant, category__status=TrackingStatus.ACTIVE, status=TrackingStatus.ACTIVE,
    ).order_by("category__name", "name"))


def entity_tracking_choose(*, entity: Entity, options: Sequence[XeroTrackingOption | None], user: User) -> None:
    """Set the entity's tracking to these options (position 1, 2; None leaves a position empty).

    Each must be an active option of the entity's organisation, one per category; and two entities
    on one organisation must stay told apart, so another entity's exact tracking is refused."""
    tenant = entity_tenant(entity)
    if tenant is None:
        raise TrackingError(f"{entity.name} is not connected to Xero: connect it first.")
    chosen = [option for option in options if option is not None]
    for option in chosen:
        if option.category.tenant_id != tenant.pk or not option.is_usable:
            raise TrackingError(f"“{option}” is not an active tracking option of {tenant.name}; choose again.")
    if len({option.category_id for option in chosen}) != len(chosen):
        raise TrackingError("Choose at most one option of each tracking category.")
    wanted = {option.pk for option in chosen}
    for other in entities_for_tenant(tenant):
        theirs = set(EntityTracking.objects.filter(entity=other, option__isnull=False)
                     .values_list("option_id", flat=True))
        if wanted and other.pk != entity.pk and theirs == wanted:
            raise TrackingError(f"{other.name} posts to {tenant.name} with this same tracking: choose an option that "
                                f"tells {entity.name} apart.")
    with transaction.atomic():
        before = [str(row) for row in EntityTracking.objects.filter(entity=entity)]
        EntityTracking.objects.filter(entity=entity).delete()
        for position, choice in enumerate(options, start=1):
            if choice is not None:
                EntityTracking.objects.create(entity=entity, position=position, option=choice)
        audit_record(actor=user, action="xero.tracking_chosen", target=f"entity {entity.code}",
                     before={"tracking": before}, after={"tracking": [str(o) for o in chosen]})


def option_key(tenant: XeroTenant, category_id: str, name: str) -> str:
    """The same request (organisation, category, name) always carries the same Idempotency-Key."""
    digest = hashlib.sha256(f"{tenant.xero_tenant_id}\n{category_id}\n{name.casefold()}".encode()).hexdigest()
    return f"bms-tracking-option-{digest[:40]}"


def _existing(client: XeroAccountingClient, tenant: XeroTenant, category_id: str, name: str
              ) -> TrackingOption | None:
    categories = tenant_read_tracking(tenant=tenant, client=client)
    category = next((c for c in categories if c.tracking_category_id == category_id), None)
    return next((o for o in (category.options or []) if o.name.casefold() == name.casefold()
                 and o.status != TrackingStatus.DELETED), None) if category else None


def tracking_option_create(*, category: XeroTrackingCategory, name: str, user: User,
                           client: XeroAccountingClient) -> XeroTrackingOption:
    """Create the option `name` in this category in Xero (or find the one Xero already has), exactly once."""
    tenant = category.tenant
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise TrackingError("Give the new option a name of 1 to 100 characters.", field="name")
    if tenant.grant is None or not grant_has_scope(tenant.grant.scopes, SETTINGS_WRITE):
        raise SettingsScopeNeededError(
            f"Creating options in Xero needs permission to change {tenant.name}'s settings (accounting.settings), "
            "which this connection was not given. Authenticate with Xero again and allow it.")
    if category.status != TrackingStatus.ACTIVE:
        raise TrackingError(f"The category {category.name} is archived in Xero; options cannot be added to it.")
    category_id = category.xero_tracking_category_id
    found = _existing(client, tenant, category_id, name)
    if found is None:
        # An uncertain outcome may have landed: the read below finds it, or says it is not there.
        with suppress(UncertainError):
            client.create_tracking_options(category_id, TrackingOption(name=name),
                                           idempotency_key=option_key(tenant, category_id, name))
        found = _existing(client, tenant, category_id, name)
    if found is None or not found.tracking_option_id:
        raise TrackingError(f"Xero did not confirm the option “{name}”; nothing is duplicated: try again.")
    if found.status == TrackingStatus.ARCHIVED:
        raise TrackingError(f"{category.name} already has an option “{found.name}” in Xero, archived: restore it "
                            "in Xero (Accounting → Advanced → Tracking categories) or choose another name.")
    option = XeroTrackingOption.objects.select_related("category").get(
        category=category, xero_tracking_option_id=found.tracking_option_id)
    audit_record(actor=user, action="xero.tracking_option_created", target=f"{tenant.name}: {category.name}",
                 after={"option": option.name, "status": option.status})
    return option
