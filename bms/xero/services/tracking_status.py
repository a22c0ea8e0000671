"""What the Tracking screen and the entity's Xero panel say about an entity's tracking, from what BMS
last read of its organisation (the push checks again against a fresh read before sending)."""

from __future__ import annotations

from dataclasses import dataclass

from bms.entities.models import Entity
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import TrackingCategory, TrackingOption
from bms.xero.models import XeroTenant
from bms.xero.models_tracking import EntityTracking, XeroTrackingCategory
from bms.xero.selectors import entities_for_tenant, entity_tenant
from bms.xero.services.tracking import tenant_read_tracking
from bms.xero.services.tracking_check import tracking_verdict


@dataclass(frozen=True)
class TrackingState:
    label: str  # "Region: Sydney · Division: Machinery", "No tracking"
    problem: str = ""  # "choose tracking" | "archived in Xero" | "missing in Xero" | ""
    message: str = ""  # what to do, as the push would say it


def categories_as_read(tenant: XeroTenant) -> list[TrackingCategory]:
    """The organisation's categories as BMS last read them, in the shape Xero answers with."""
    rows = XeroTrackingCategory.objects.filter(tenant=tenant).prefetch_related("options")
    return [TrackingCategory(
        tracking_category_id=row.xero_tracking_category_id, name=row.name, status=row.status,
        options=[TrackingOption(tracking_option_id=o.xero_tracking_option_id, name=o.name, status=o.status)
                 for o in row.options.all()],
    ) for row in rows]


def tracking_choices(entity_ids: list[int]) -> dict[int, list[EntityTracking]]:
    """Each entity's tracking choices, in order, from one read."""
    chosen: dict[int, list[EntityTracking]] = {}
    for row in (EntityTracking.objects.select_related("option__category").filter(entity_id__in=entity_ids)
                .order_by("entity_id", "position")):
        chosen.setdefault(row.entity_id, []).append(row)
    return chosen


def entity_tracking_state(entity: Entity, *, tenant: XeroTenant | None = None,
                          categories: list[TrackingCategory] | None = None) -> TrackingState:
    choices = tracking_choices([entity.pk]).get(entity.pk, [])
    if not choices:
        return TrackingState("No tracking")
    return tracking_state_of(entity, choices=choices, tenant=tenant or entity_tenant(entity), categories=categories)


def tracking_state_of(entity: Entity, *, choices: list[EntityTracking], tenant: XeroTenant | None,
                      categories: list[TrackingCategory] | None = None) -> TrackingState:
    """The state from what is already read: its choices and the organisation it posts to (None: none)."""
    if not choices:
        return TrackingState("No tracking")
    if tenant is None:
        return TrackingState(" · ".join(str(c.option or c.legacy_label) for c in choices))
    if categories is None:
        categories = categories_as_read(tenant)
    verdict, tracking = tracking_verdict(entity=entity, choices=choices, tenant=tenant, categories=categories)
    if verdict is None:
        return TrackingState(" · ".join(f"{t.name}: {t.option}" for t in tracking))
    label = " · ".join(str(c.option) if c.option else (c.legacy_label or "—") for c in choices)
    if verdict.action == "wait":
        problem = "choose tracking"
    else:
        problem = "archived in Xero" if "archived" in verdict.cause else "missing in Xero"
    return TrackingState(label, problem, verdict.message)


@dataclass(frozen=True)
class TrackingDifference:
    entity: Entity
    state: TrackingState


def tracking_compare(*, tenant: XeroTenant, client: XeroAccountingClient) -> list[TrackingDifference]:
    """Compare to Xero's tracking part: each entity of the organisation whose tracking Xero would not
    accept as it is now (read fresh, archived categories and options included)."""
    categories = tenant_read_tracking(tenant=tenant, client=client)
    states = ((entity, entity_tracking_state(entity, tenant=tenant, categories=categories))
              for entity in entities_for_tenant(tenant))
    return [TrackingDifference(entity, state) for entity, state in states if state.problem]
