from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from bms.stock.services import dispatch_create, dispatch_ship
from bms.testing import factories as f

pytestmark = pytest.mark.django_db
D = Decimal


def test_it_shows_the_lines_with_the_cost_captured_at_shipping(staff_client):
    lathe = f.product("MACH-01", "Lathe", unit_cost="100.0000")
    dispatch = dispatch_create(entity=f.entity(), customer=f.customer(), reference="D-1",
                               lines=[(lathe, D("2.5"))])
    dispatch_ship(dispatch=dispatch, shipped_at=datetime(2026, 5, 4, 13, 30, tzinfo=UTC))
    response = staff_client.get(reverse("stock:dispatch_detail", args=[dispatch.pk]))
    html = response.content.decode()
    assert "Monday 4 May 2026 23:30 AEST" in html and "Australia/Sydney" in html
    assert "MACH-01 Lathe" in html and "2.5000" in html and "250.00" in html
    assert response.context["cost_total"] == D("250.00")


def test_it_says_the_cost_comes_when_an_unshipped_dispatch_ships(staff_client):
    dispatch = dispatch_create(entity=f.entity(), customer=f.customer(), reference="D-1",
                               lines=[(f.product(), D("10"))])
    response = staff_client.get(reverse("stock:dispatch_detail", args=[dispatch.pk]))
    assert b"set when shipped" in response.content and b"Not shipped yet" in response.content
    assert b">10<" in response.content  # 10.0000 shown as 10, not 1E+1


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(reverse("stock:dispatch_detail", args=[1]))
    assert response.url.startswith(reverse("login"))
