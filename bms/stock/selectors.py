"""Reads for dispatches. Shipped dates are trading days: each entity's own local date, so every
date filter here turns a date into that entity's UTC bounds instead of comparing UTC dates."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import F, Q, QuerySet

from bms.core.money import round_money
from bms.core.tz import day_bounds_utc
from bms.entities.models import Entity
from bms.preferences.selectors import general_settings
from bms.stock.models import Dispatch, DispatchLine


def entity_zones() -> dict[int, str]:
    """Every entity's time zone by id, the default filled in: one query for a whole page."""
    default = general_settings().default_time_zone
    return {pk: zone or default for pk, zone in Entity.objects.values_list("pk", "time_zone")}


def _shipped_between(zones: dict[int, str], shipped_from: date | None, shipped_to: date | None) -> Q:
    """Dispatches shipped on trading days from..to (inclusive), each in its entity's zone. Entities
    sharing a zone share one condition, so the query grows with zones, not with entities."""
    by_zone: dict[str, list[int]] = defaultdict(list)
    for pk, zone_name in zones.items():
        by_zone[zone_name].append(pk)
    condition = Q(pk__in=[])  # matches nothing; each zone adds its own range
    for zone_name, entity_ids in by_zone.items():
        in_zone = Q(entity_id__in=entity_ids)
        if shipped_from is not None:
            in_zone &= Q(shipped_at__gte=day_bounds_utc(shipped_from, zone_name)[0])
        if shipped_to is not None:
            in_zone &= Q(shipped_at__lt=day_bounds_utc(shipped_to, zone_name)[1])
        condition |= in_zone
    return condition


def dispatches_list(*, entity: Entity | None = None, status: str = "", shipped_from: date | None = None,
                    shipped_to: date | None = None) -> QuerySet[Dispatch]:
    """Dispatches, latest shipped first (unshipped on top); the shipped range is in trading days of
    each dispatch's own entity. A page's line counts and costs come from `dispatch_page_figures`."""
    dispatches = Dispatch.objects.select_related("entity", "customer")
    if entity is not None:
        dispatches = dispatches.filter(entity=entity)
    if status:
        dispatches = dispatches.filter(status=status)
    if shipped_from is not None or shipped_to is not None:
        zones = entity_zones()
        if entity is not None:
            zones = {entity.pk: zones[entity.pk]}
        dispatches = dispatches.filter(_shipped_between(zones, shipped_from, shipped_to))
    return dispatches.order_by(F("shipped_at").desc(nulls_first=True), "-pk")


def line_cost(line: DispatchLine) -> Decimal | None:
    """Quantity × the unit cost captured at shipping, rounded per line as the journal will be;
    None until the dispatch ships (no cost has been captured yet)."""
    if line.unit_cost is None:
        return None
    return round_money(line.quantity * line.unit_cost)


def dispatch_page_figures(dispatch_ids) -> tuple[dict[int, int], dict[int, Decimal | None]]:
    """(line count, cost) per dispatch of a page, from one read of those dispatches' lines: a
    count annotated on the list would group every dispatch's lines to show fifty. The cost is summed
    from rounded lines in Decimal (not in SQL, where SQLite would multiply in floating point); None
    for a dispatch with no captured cost."""
    counts: dict[int, int] = dict.fromkeys(dispatch_ids, 0)
    totals: dict[int, Decimal | None] = dict.fromkeys(dispatch_ids)
    for line in DispatchLine.objects.filter(dispatch_id__in=counts).only("dispatch_id", "quantity", "unit_cost"):
        counts[line.dispatch_id] += 1
        cost = line_cost(line)
        if cost is not None:
            totals[line.dispatch_id] = (totals[line.dispatch_id] or Decimal("0.00")) + cost
    return counts, totals


def dispatch_lines(dispatch: Dispatch) -> list[DispatchLine]:
    """A dispatch's lines, each with `line_cost` set."""
    lines = list(dispatch.lines.select_related("product").order_by("pk"))
    for line in lines:
        line.line_cost = line_cost(line)
    return lines

