"""Admin → Entities shows each organisation's Xero panel from one set of reads for the page
(xero_entity_panels): each panel must say exactly what the entity's own page says."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from bms.testing import factories as f
from bms.xero.client.errors import AuthError
from bms.xero.models import XeroTrackingOption
from bms.xero.models_tracking import EntityTracking
from bms.xero.tests.conftest import connect, xero_client

pytestmark = pytest.mark.django_db(transaction=True)

PANEL = re.compile(r'<section class="card panel-xero" aria-labelledby="xero-panel-entity-(\d+)">.*?</section>', re.S)


def _panels(html: str) -> dict[int, str]:
    # The same panel on two pages differs only in where its forms send the user back to (and in the
    # CSRF token, masked afresh on every page).
    return {int(match.group(1)): re.sub(r'<input type="hidden" name="(next|csrfmiddlewaretoken)" value="[^"]*">', "",
                                        match.group(0))
            for match in PANEL.finditer(html)}


def test_each_organisations_panel_on_the_entities_page_says_what_its_own_page_says(
    admin_client, connected, sandbox, au_entity
):
    sydney = XeroTrackingOption.objects.get(category__tenant=connected, category__name="Region", name="Sydney")
    EntityTracking.objects.create(entity=au_entity, position=1, option=sydney)
    nz = f.entity("NZ", name="Acme NZ", time_zone="Pacific/Auckland")
    second = f.entity("S2", name="Second Organisation")
    connect(admin_client, second, connected)  # two organisations of BMS posting to one in Xero
    sandbox.control("POST", f"tenants/{connected.xero_tenant_id}/roles", deny=["manualjournals"], reads=True)
    with pytest.raises(AuthError), xero_client(connected) as client:  # opens a "not permitted" incident
        client.get_manual_journals(page=1)

    listed = _panels(admin_client.get(reverse("entities:entity_list")).content.decode())
    assert set(listed) == {au_entity.pk, nz.pk, second.pk}
    for entity in (au_entity, nz, second):
        own = _panels(admin_client.get(reverse("entities:entity_detail", args=[entity.pk])).content.decode())
        assert listed[entity.pk] == own[entity.pk], entity.code
    assert "Region: Sydney" in listed[au_entity.pk] and "Xero user not permitted" in listed[second.pk]
    assert "Not connected to Xero" in listed[nz.pk]
