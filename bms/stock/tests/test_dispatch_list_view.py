from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from bms.core.testing import page_link
from bms.stock.services import dispatch_create, dispatch_ship
from bms.testing import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
URL = reverse("stock:dispatch_list")


@pytest.fixture
def dispatches():
    entity, customer = f.entity("AU"), f.customer()
    lathe, drill = f.product("MACH-01", unit_cost="100.0000"), f.product("DRILL-01", unit_cost="12.3450")
    late = dispatch_create(entity=entity, customer=customer, reference="LATE", lines=[(lathe, D("2")), (drill, D("1"))])
    dispatch_ship(dispatch=late, shipped_at=datetime(2026, 5, 4, 13, 30, tzinfo=UTC))  # 23:30 Mon 4 May, Sydney
    early = dispatch_create(entity=entity, customer=customer, reference="EARLY", lines=[(lathe, D("1"))])
    dispatch_ship(dispatch=early, shipped_at=datetime(2026, 5, 4, 14, 30, tzinfo=UTC))  # 00:30 Tue 5 May, Sydney
    dispatch_create(entity=entity, customer=customer, reference="WAITING", lines=[(drill, D("3"))])
    return entity


def _references(response) -> list[str]:
    return [dispatch.reference for dispatch in response.context["rows"]]


def test_it_shows_shipped_times_and_trading_days_in_the_entitys_zone(staff_client, dispatches):
    response = staff_client.get(URL)
    assert _references(response) == ["WAITING", "EARLY", "LATE"]
    html = response.content.decode()
    assert "4 May 2026 23:30 AEST" in html and "Mon 04/05/2026" in html
    assert "5 May 2026 00:30 AEST" in html and "Tue 05/05/2026" in html
    late = response.context["rows"][2]
    assert (late.line_count, late.cost_total) == (2, D("212.35"))  # 200.00 + 12.35 (12.345 rounded half-up)
    assert "Stock → Dispatches" in html


def test_it_filters_by_entity_status_and_trading_day(staff_client, dispatches):
    day = "2026-05-05"
    response = staff_client.get(URL, {"entity": dispatches.pk, "shipped_from": day, "shipped_to": day})
    assert _references(response) == ["EARLY"]
    assert _references(staff_client.get(URL, {"status": "draft"})) == ["WAITING"]


def test_it_shows_a_backwards_date_range_as_an_error(staff_client, dispatches):
    response = staff_client.get(URL, {"shipped_from": "2026-05-05", "shipped_to": "2026-05-04"})
    assert response.context["filters"].errors["shipped_to"] == ["The end date is before the start date."]
    assert _references(response) == []


def test_it_paginates(staff_client):
    entity, customer, lathe = f.entity(), f.customer(), f.product()
    for number in range(51):
        dispatch_create(entity=entity, customer=customer, reference=f"D-{number}", lines=[(lathe, D("1"))])
    first = staff_client.get(URL)
    assert len(_references(first)) == 50
    assert _references(staff_client.get(URL + page_link(first, "next"))) == ["D-0"]


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    assert client.get(URL).url.startswith(reverse("login"))
