from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bms.stock.selectors import dispatch_lines, dispatch_page_figures, dispatches_list
from bms.stock.services import dispatch_create, dispatch_ship
from bms.testing import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
SYDNEY, AUCKLAND = ZoneInfo("Australia/Sydney"), ZoneInfo("Pacific/Auckland")


def _shipped(entity, reference, at, *lines):
    customer = f.customer(f"C-{reference}")
    dispatch = dispatch_create(entity=entity, customer=customer, reference=reference,
                               lines=list(lines) or [(f.product(f"P-{reference}"), D("1"))])
    return dispatch_ship(dispatch=dispatch, shipped_at=at)


def _references(**filters) -> list[str]:
    return sorted(dispatch.reference for dispatch in dispatches_list(**filters))


@pytest.mark.parametrize(("day", "hours"), [
    (date(2026, 10, 4), 23),  # first Sunday of October: clocks go 02:00 → 03:00
    (date(2026, 4, 5), 25),  # first Sunday of April: clocks go 03:00 → 02:00
])
def test_it_puts_23_30_and_00_30_local_on_their_own_trading_days_across_a_dst_change(day, hours):
    entity = f.entity("AU", time_zone="Australia/Sydney")
    # Local wall times, turned into UTC at once: Python subtracts two datetimes in the same zone
    # by wall clock, which would hide the missing or extra hour.
    before, first, last, after = (
        datetime(on.year, on.month, on.day, hour, 30, tzinfo=SYDNEY).astimezone(UTC)
        for on, hour in ((day - timedelta(days=1), 23), (day, 0), (day, 23), (day + timedelta(days=1), 0))
    )
    assert (last - first).total_seconds() == (hours - 1) * 3600  # the day really is 23 or 25 hours long
    assert last.date() == after.date()  # the same UTC date: filtering by UTC dates could not tell them apart
    for reference, at in (("BEFORE", before), ("FIRST", first), ("LAST", last), ("AFTER", after)):
        _shipped(entity, reference, at)
    assert _references(entity=entity, shipped_from=day, shipped_to=day) == ["FIRST", "LAST"]
    assert _references(shipped_from=day, shipped_to=day) == ["FIRST", "LAST"]


def test_it_reads_each_entitys_trading_day_in_its_own_zone_when_no_entity_is_chosen():
    sydney, auckland = f.entity("AU", time_zone="Australia/Sydney"), f.entity("NZ", time_zone="Pacific/Auckland")
    instant = datetime(2026, 5, 4, 13, 30, tzinfo=UTC)  # 23:30 on the 4th in Sydney, 01:30 on the 5th in Auckland
    _shipped(sydney, "AU-1", instant)
    _shipped(auckland, "NZ-1", instant)
    assert _references(shipped_from=date(2026, 5, 4), shipped_to=date(2026, 5, 4)) == ["AU-1"]
    assert _references(shipped_from=date(2026, 5, 5)) == ["NZ-1"]
    assert _references(shipped_to=date(2026, 5, 4)) == ["AU-1"]


def test_it_uses_the_default_time_zone_for_an_entity_without_one():
    entity = f.entity("AU", time_zone="")  # General Settings default: Australia/Sydney
    _shipped(entity, "LATE", datetime(2026, 5, 4, 13, 30, tzinfo=UTC))
    assert _references(entity=entity, shipped_from=date(2026, 5, 4), shipped_to=date(2026, 5, 4)) == ["LATE"]


def test_it_filters_by_status_and_counts_lines():
    entity = f.entity()
    _shipped(entity, "SHIPPED", datetime(2026, 5, 4, 1, tzinfo=UTC), (f.product("A"), D("1")), (f.product("B"), D("2")))
    dispatch_create(entity=entity, customer=f.customer("C-2"), reference="DRAFT", lines=[(f.product("C"), D("1"))])
    [shipped] = dispatches_list(status="shipped")
    assert shipped.reference == "SHIPPED" and dispatch_page_figures([shipped.pk])[0] == {shipped.pk: 2}
    assert [dispatch.reference for dispatch in dispatches_list()] == ["DRAFT", "SHIPPED"]  # unshipped first


def test_it_rounds_each_line_cost_before_adding_them_up():
    entity = f.entity()
    # 3 × 0.3350 = 1.005 → 1.01 per line; two lines 2.02 (rounding the 2.01 sum instead would lose a cent).
    a, b = f.product("A", unit_cost="0.3350"), f.product("B", unit_cost="0.3350")
    shipped = _shipped(entity, "D-1", datetime(2026, 5, 4, 1, tzinfo=UTC), (a, D("3")), (b, D("3")))
    draft = dispatch_create(entity=entity, customer=f.customer("C-2"), reference="D-2", lines=[(a, D("1"))])
    counts, totals = dispatch_page_figures([shipped.pk, draft.pk])
    assert totals == {shipped.pk: D("2.02"), draft.pk: None} and counts == {shipped.pk: 2, draft.pk: 1}
    assert [line.line_cost for line in dispatch_lines(shipped)] == [D("1.01"), D("1.01")]
    assert [line.line_cost for line in dispatch_lines(draft)] == [None]
