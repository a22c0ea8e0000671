"""Dispatches: goods leaving a warehouse. Shipping captures each line's unit cost, which is what
the nightly cost-of-sales journal uses (not whatever the product costs later)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from bms.core.errors import DomainError, InvalidTransitionError
from bms.customers.models import Customer
from bms.entities.models import Entity
from bms.stock.models import Dispatch, DispatchLine, DispatchStatus, Product

TRANSITIONS = {
    DispatchStatus.DRAFT: {DispatchStatus.ALLOCATED, DispatchStatus.SHIPPED, DispatchStatus.CANCELLED},
    DispatchStatus.ALLOCATED: {DispatchStatus.SHIPPED, DispatchStatus.CANCELLED},
    DispatchStatus.SHIPPED: {DispatchStatus.COMPLETED, DispatchStatus.CANCELLED},
    DispatchStatus.COMPLETED: {DispatchStatus.CANCELLED},
    DispatchStatus.CANCELLED: set(),
}


def _transition(dispatch: Dispatch, to: str) -> None:
    if to not in TRANSITIONS[dispatch.status]:
        raise InvalidTransitionError(
            f"Dispatch {dispatch.reference} is {dispatch.get_status_display().lower()}; it can't become "
            f"{DispatchStatus(to).label.lower()}."
        )
    dispatch.status = to


def dispatch_create(*, entity: Entity, customer: Customer, reference: str,
                    lines: list[tuple[Product, Decimal]]) -> Dispatch:
    """A draft dispatch. Its lines carry no cost yet: the cost is captured when it ships."""
    reference = (reference or "").strip()
    if not reference:
        raise DomainError("Enter the dispatch reference.", field="reference")
    if not lines:
        raise DomainError("A dispatch needs at least one line.", field="lines")
    for product, quantity in lines:
        if not isinstance(quantity, Decimal):
            raise TypeError(f"quantity must be Decimal, got {type(quantity).__name__}")
        if not quantity.is_finite() or quantity <= 0:
            raise DomainError(f"{product.sku}: the quantity must be more than zero.", field="lines")
        if not product.is_active:
            raise DomainError(f"{product.sku} is no longer active and can't be dispatched.", field="lines")
    with transaction.atomic():
        if Dispatch.objects.filter(entity=entity, reference=reference).exists():
            raise DomainError(f"Dispatch {reference} already exists for {entity.name}.", field="reference")
        dispatch = Dispatch.objects.create(entity=entity, customer=customer, reference=reference)
        DispatchLine.objects.bulk_create(
            DispatchLine(dispatch=dispatch, product=product, quantity=quantity) for product, quantity in lines
        )
    return dispatch


def dispatch_allocate(*, dispatch: Dispatch) -> Dispatch:
    with transaction.atomic():
        dispatch = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        _transition(dispatch, DispatchStatus.ALLOCATED)
        dispatch.save()
    return dispatch


def dispatch_ship(*, dispatch: Dispatch, shipped_at: datetime) -> Dispatch:
    """Mark the dispatch shipped at `shipped_at` (aware; stored in UTC) and capture each line's unit
    cost from its product at this moment. The trading day it counts on follows from `shipped_at`
    in the entity's time zone."""
    if shipped_at.tzinfo is None:
        raise ValueError("shipped_at must be timezone-aware")
    with transaction.atomic():
        dispatch = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        _transition(dispatch, DispatchStatus.SHIPPED)
        dispatch.shipped_at = shipped_at
        dispatch.save()
        # The cost at the moment of shipping: later cost changes must not rewrite this day's journal.
        lines = list(dispatch.lines.select_related("product"))
        for line in lines:
            line.unit_cost = line.product.unit_cost
        DispatchLine.objects.bulk_update(lines, ["unit_cost"])
    return dispatch


def dispatch_complete(*, dispatch: Dispatch) -> Dispatch:
    with transaction.atomic():
        dispatch = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        _transition(dispatch, DispatchStatus.COMPLETED)
        dispatch.save()
    return dispatch


def dispatch_cancel(*, dispatch: Dispatch, now: datetime | None = None) -> Dispatch:
    """Cancel a dispatch, shipped or not. A shipped one keeps its shipped time and captured costs:
    a journal already built from it is corrected by reversal on the day of the change, never
    rewritten."""
    now = now or timezone.now()
    with transaction.atomic():
        dispatch = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        _transition(dispatch, DispatchStatus.CANCELLED)
        dispatch.cancelled_at = now
        dispatch.save()
    return dispatch



def dispatch_line_change_quantity(*, line: DispatchLine, quantity: Decimal) -> DispatchLine:
    """Correct the quantity of a dispatch line. If its day is already journaled, the difference is
    posted (reversal, then the new quantity) in the journal of the day of this change."""
    if not isinstance(quantity, Decimal):
        raise TypeError(f"quantity must be Decimal, got {type(quantity).__name__}")
    if not quantity.is_finite() or quantity <= 0:
        raise DomainError("The quantity must be more than zero; cancel the dispatch to take it back entirely.",
                          field="quantity")
    with transaction.atomic():
        dispatch = Dispatch.objects.select_for_update().get(pk=line.dispatch_id)
        if dispatch.status == DispatchStatus.CANCELLED:
            raise InvalidTransitionError(f"Dispatch {dispatch.reference} is cancelled; its lines can't change.")
        line = DispatchLine.objects.get(pk=line.pk)
        line.quantity = quantity
        line.save(update_fields=["quantity"])
        dispatch.save(update_fields=["updated_at"])  # the day of the change decides where it is journaled
    return line
