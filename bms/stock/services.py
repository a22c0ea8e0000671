"""Dispatches: goods leaving a warehouse. Shipping captures each line's unit cost, which is what
the nightly cost-of-sales journal uses (not whatever the product costs later)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from bms.billing.models import Customer
from bms.core.errors import DomainError, InvalidTransitionError
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
    if not lines:
        raise DomainError("A dispatch needs at least one line.")
    for product, quantity in lines:
        if not isinstance(quantity, Decimal) or quantity <= 0:
            raise DomainError(f"{product.sku}: the quantity must be more than zero.")
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


def dispatch_ship(*, dispatch: Dispatch, shipped_at: datetime | None = None) -> Dispatch:
    shipped_at = shipped_at or timezone.now()
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
    now = now or timezone.now()
    with transaction.atomic():
        dispatch = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        _transition(dispatch, DispatchStatus.CANCELLED)
        dispatch.cancelled_at = now
        dispatch.save()
    return dispatch

