from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.tests import factories as f
from bms.core.errors import DomainError, InvalidTransitionError
from bms.stock.services import dispatch_cancel, dispatch_create, dispatch_ship

pytestmark = pytest.mark.django_db
D = Decimal


def test_it_captures_the_unit_cost_when_the_dispatch_ships():
    entity, customer = f.entity(), f.customer()
    lathe = f.product(unit_cost="100.0000")
    dispatch = dispatch_create(entity=entity, customer=customer, reference="D-1", lines=[(lathe, D("2"))])
    assert dispatch.lines.get().unit_cost is None
    dispatch_ship(dispatch=dispatch, shipped_at=datetime(2026, 4, 23, 1, tzinfo=UTC))
    lathe.unit_cost = D("150")
    lathe.save()
    assert dispatch.lines.get().unit_cost == D("100.0000")


def test_it_refuses_bad_dispatches_and_illegal_changes():
    entity, customer, lathe = f.entity(), f.customer(), f.product()
    with pytest.raises(DomainError):
        dispatch_create(entity=entity, customer=customer, reference="D-1", lines=[(lathe, D("0"))])
    dispatch = dispatch_create(entity=entity, customer=customer, reference="D-1", lines=[(lathe, D("1"))])
    with pytest.raises(DomainError, match="already exists"):
        dispatch_create(entity=entity, customer=customer, reference="D-1", lines=[(lathe, D("1"))])
    dispatch_cancel(dispatch=dispatch)
    with pytest.raises(InvalidTransitionError):
        dispatch_ship(dispatch=dispatch)


def test_it_lists_dispatches_on_the_entitys_trading_day(staff_client):
    entity, customer, lathe = f.entity(), f.customer(), f.product()
    late = dispatch_create(entity=entity, customer=customer, reference="LATE", lines=[(lathe, D("1"))])
    dispatch_ship(dispatch=late, shipped_at=datetime(2026, 5, 4, 13, 30, tzinfo=UTC))  # 23:30 on 4 May, Sydney
    early = dispatch_create(entity=entity, customer=customer, reference="EARLY", lines=[(lathe, D("1"))])
    dispatch_ship(dispatch=early, shipped_at=datetime(2026, 5, 4, 14, 30, tzinfo=UTC))  # 00:30 on 5 May, Sydney
    response = staff_client.get(reverse("stock:dispatch_list"), {"entity": entity.pk, "shipped_from": "2026-05-05",
                                                                  "shipped_to": "2026-05-05"})
    assert b"EARLY" in response.content and b"LATE" not in response.content
    detail = staff_client.get(reverse("stock:dispatch_detail", args=[late.pk]))
    assert b"Monday 04/05/2026 23:30" in detail.content
