from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bms.core.errors import DomainError, InvalidTransitionError
from bms.stock.models import DispatchStatus
from bms.stock.services import (
    dispatch_allocate,
    dispatch_cancel,
    dispatch_complete,
    dispatch_create,
    dispatch_ship,
)
from bms.testing import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
SHIPPED_AT = datetime(2026, 4, 23, 1, tzinfo=UTC)


@pytest.fixture
def lathe():
    return f.product("MACH-01", unit_cost="100.0000")


@pytest.fixture
def dispatch(lathe):
    return dispatch_create(entity=f.entity(), customer=f.customer(), reference="D-1", lines=[(lathe, D("2"))])


def test_it_creates_a_draft_whose_lines_have_no_cost_yet(dispatch):
    assert dispatch.status == DispatchStatus.DRAFT
    assert dispatch.lines.get().unit_cost is None


def test_it_captures_each_lines_unit_cost_when_the_dispatch_ships(dispatch, lathe):
    dispatch_ship(dispatch=dispatch, shipped_at=SHIPPED_AT)
    lathe.unit_cost = D("150.0000")
    lathe.save()
    dispatch.refresh_from_db()
    assert (dispatch.status, dispatch.shipped_at) == (DispatchStatus.SHIPPED, SHIPPED_AT)
    assert dispatch.lines.get().unit_cost == D("100.0000")


def test_it_takes_the_cost_at_shipping_not_at_creation(dispatch, lathe):
    lathe.unit_cost = D("120.5000")
    lathe.save()
    dispatch_ship(dispatch=dispatch, shipped_at=SHIPPED_AT)
    assert dispatch.lines.get().unit_cost == D("120.5000")


@pytest.mark.parametrize("quantity", [D("0"), D("-1"), D("NaN")])
def test_it_refuses_a_quantity_that_is_not_positive(lathe, quantity):
    with pytest.raises(DomainError, match="more than zero"):
        dispatch_create(entity=f.entity(), customer=f.customer(), reference="D-1", lines=[(lathe, quantity)])


def test_it_refuses_a_float_quantity(lathe):
    with pytest.raises(TypeError):
        dispatch_create(entity=f.entity(), customer=f.customer(), reference="D-1", lines=[(lathe, 1.5)])


def test_it_refuses_no_lines_a_blank_reference_an_inactive_product_and_a_duplicate_reference(dispatch, lathe):
    entity, customer = dispatch.entity, dispatch.customer
    with pytest.raises(DomainError, match="at least one line"):
        dispatch_create(entity=entity, customer=customer, reference="D-2", lines=[])
    with pytest.raises(DomainError, match="reference"):
        dispatch_create(entity=entity, customer=customer, reference=" ", lines=[(lathe, D("1"))])
    retired = f.product("OLD-01", is_active=False)
    with pytest.raises(DomainError, match="no longer active"):
        dispatch_create(entity=entity, customer=customer, reference="D-2", lines=[(retired, D("1"))])
    with pytest.raises(DomainError, match="already exists"):
        dispatch_create(entity=entity, customer=customer, reference="D-1", lines=[(lathe, D("1"))])


def test_it_refuses_a_naive_shipped_time(dispatch):
    with pytest.raises(ValueError):
        dispatch_ship(dispatch=dispatch, shipped_at=datetime(2026, 4, 23, 1))  # noqa: DTZ001 (naive on purpose)


def test_it_walks_the_legal_lifecycle(dispatch):
    dispatch = dispatch_allocate(dispatch=dispatch)
    dispatch = dispatch_ship(dispatch=dispatch, shipped_at=SHIPPED_AT)
    assert dispatch_complete(dispatch=dispatch).status == DispatchStatus.COMPLETED


def test_it_cancels_a_shipped_dispatch_keeping_its_shipped_time_and_costs(dispatch):
    dispatch_ship(dispatch=dispatch, shipped_at=SHIPPED_AT)
    cancelled_at = datetime(2026, 4, 24, 3, tzinfo=UTC)
    dispatch = dispatch_cancel(dispatch=dispatch, now=cancelled_at)
    assert (dispatch.status, dispatch.shipped_at, dispatch.cancelled_at) == (
        DispatchStatus.CANCELLED, SHIPPED_AT, cancelled_at)
    assert dispatch.lines.get().unit_cost == D("100.0000")


def test_it_refuses_illegal_transitions(dispatch):
    with pytest.raises(InvalidTransitionError):
        dispatch_complete(dispatch=dispatch)  # never shipped
    dispatch_ship(dispatch=dispatch, shipped_at=SHIPPED_AT)
    with pytest.raises(InvalidTransitionError):
        dispatch_ship(dispatch=dispatch, shipped_at=SHIPPED_AT)
    with pytest.raises(InvalidTransitionError):
        dispatch_allocate(dispatch=dispatch)
    dispatch_cancel(dispatch=dispatch)
    with pytest.raises(InvalidTransitionError, match="cancelled"):
        dispatch_cancel(dispatch=dispatch)
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.CANCELLED
