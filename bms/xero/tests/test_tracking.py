"""Tracking from Xero (PRODUCT.md §3.8, issue #16 item 1), against the sandbox over HTTP: the push
holds a record whose tracking option is missing or archived, and sends it once the option is
chosen or created; the Tracking screen offers only active options."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from bms.billing.models import InvoiceStatus
from bms.core.models import AuditEvent
from bms.testing import factories as f
from bms.xero.models import (
    EntityTracking,
    InvoiceLink,
    LinkStatus,
    TrackingStatus,
    XeroGrant,
    XeroTrackingCategory,
    XeroTrackingOption,
)
from bms.xero.tests.conftest import allow_settings_writes, connect
from bms.xero.tests.test_invoices import _push, _released, _xero_invoices

pytestmark = pytest.mark.django_db


def _option(tenant, category: str, name: str) -> XeroTrackingOption:
    return XeroTrackingOption.objects.get(category__tenant=tenant, category__name=category, name=name)


def _choose(admin_client, entity, tenant, **names: str):
    """Admin → Tracking: one select per active category; names by category, e.g. Region="Sydney"."""
    data = {"entity": entity.pk}
    for category in XeroTrackingCategory.objects.filter(tenant=tenant, status=TrackingStatus.ACTIVE):
        option = names.get(category.name)
        data[f"e{entity.pk}-category_{category.pk}"] = _option(tenant, category.name, option).pk if option else ""
    return admin_client.post(reverse("xero:tracking"), data)


def _carried_over(entity, option: str, category: str = "Region") -> None:
    """Free-text tracking as an older BMS held it (what the data migration leaves)."""
    EntityTracking.objects.create(entity=entity, position=1, legacy_category_name=category, legacy_option_name=option)


def test_free_text_that_names_a_xero_option_becomes_that_option_when_the_organisation_is_read(
    admin_client, xero_settings, xero_active, au_entity, sandbox
):
    _carried_over(au_entity, "sydney")
    from bms.xero.tests.conftest import authenticate

    authenticate(admin_client, au_entity)
    tenant = connect_au(admin_client, au_entity, sandbox)
    row = EntityTracking.objects.get(entity=au_entity)
    assert row.option == _option(tenant, "Region", "Sydney") and row.legacy_option_name == ""


def connect_au(admin_client, entity, sandbox):
    from bms.xero.models import XeroTenant

    tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("AU"))
    connect(admin_client, entity, tenant)
    tenant.refresh_from_db()
    return tenant


def test_an_invoice_waits_while_its_entity_must_choose_tracking_and_goes_once_it_is_chosen(
    admin_client, connected, sandbox, au_entity
):
    _carried_over(au_entity, "Hobart")  # not an option of Region in Xero AU
    [invoice] = _released(au_entity, [f.customer()], 1)

    outcome, log = _push(connected, [invoice])

    assert outcome.created == 0 and _xero_invoices(sandbox, connected) == []
    [(_, _, cause, message)] = [line for line in log.lines if line[0] == "warning"]
    assert cause == f"choose tracking for {au_entity.code}"
    assert "“Region: Hobart” is not an option in Acme Distribution (Xero AU)" in message
    assert "Admin → Tracking" in message
    page = admin_client.get(reverse("xero:tracking")).content.decode()
    assert "choose tracking" in page and "Perth" not in page  # archived options are never offered
    assert "Brisbane" in page

    assert _choose(admin_client, au_entity, connected, Region="Sydney").status_code == 302
    outcome, _ = _push(connected, [invoice])

    assert outcome.created == 1
    [sent] = _xero_invoices(sandbox, connected)
    assert [(t["Name"], t["Option"]) for t in sent["LineItems"][0]["Tracking"]] == [("Region", "Sydney")]
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PROCESSED
    assert AuditEvent.objects.filter(action="xero.tracking_chosen").count() == 1


def test_an_option_archived_in_xero_holds_the_invoice_with_what_to_do_until_another_is_chosen(
    admin_client, connected, sandbox, au_entity
):
    _choose(admin_client, au_entity, connected, Region="Melbourne", Division="Parts")
    first, second = _released(au_entity, [f.customer()], 2)
    assert _push(connected, [first])[0].created == 1
    sandbox.set_tracking(connected.xero_tenant_id, "Region", "Melbourne", status="ARCHIVED")

    outcome, _ = _push(connected, [second])

    assert outcome.failed == 1
    link = InvoiceLink.objects.get(invoice=second)
    assert link.status == LinkStatus.FAILED
    assert link.error_cause == "tracking option Region: Melbourne archived in Xero"
    assert "is archived in Acme Distribution (Xero AU). Choose another option on Admin → Tracking" in link.last_error
    assert _option(connected, "Region", "Melbourne").status == TrackingStatus.ARCHIVED  # read on the way
    assert "archived in Xero" in admin_client.get(reverse("xero:tracking")).content.decode()
    refused = _choose(admin_client, au_entity, connected, Region="Melbourne")
    assert refused.status_code == 200 and "not an active option of Region" in refused.content.decode()

    _choose(admin_client, au_entity, connected, Region="Brisbane", Division="Parts")
    assert _push(connected, [second])[0].created == 1
    numbers = {i["InvoiceNumber"]: i for i in _xero_invoices(sandbox, connected)}
    tracking = {t["Name"]: t["Option"] for t in numbers[second.display_number]["LineItems"][0]["Tracking"]}
    assert tracking == {"Region": "Brisbane", "Division": "Parts"}


def test_two_entities_on_one_organisation_cannot_share_the_same_tracking(admin_client, connected, au_entity):
    other = f.entity("SYD", name="Acme Sydney Warehouse")
    connect(admin_client, other, connected)
    _choose(admin_client, au_entity, connected, Region="Sydney")
    refused = _choose(admin_client, other, connected, Region="Sydney")
    assert refused.status_code == 200
    assert "Acme Distribution Pty Ltd posts to Acme Distribution (Xero AU) with this same tracking" in \
        refused.content.decode()
    assert not EntityTracking.objects.filter(entity=other).exists()


def test_creating_an_option_asks_for_the_settings_scope_first_then_creates_it_once_and_the_invoice_goes(
    admin_client, connected, sandbox, au_entity
):
    _carried_over(au_entity, "Hobart")
    [invoice] = _released(au_entity, [f.customer()], 1)
    region = XeroTrackingCategory.objects.get(tenant=connected, name="Region")
    url = reverse("xero:tracking_option_new", args=[region.pk])

    asked = admin_client.post(url, {"name": "Hobart"})

    assert asked.status_code == 302 and asked["Location"].startswith(reverse("xero:consent", args=[au_entity.pk]))
    assert parse_qs(urlparse(asked["Location"]).query)["settings_write"] == ["1"]
    assert not any(e["method"] == "PUT" and "TrackingCategories" in e["path"] for e in sandbox.log())
    allow_settings_writes(admin_client, au_entity)
    assert "accounting.settings" in XeroGrant.objects.get().scopes.split()

    assert admin_client.post(url, {"name": "Hobart"}).status_code == 302
    assert admin_client.post(url, {"name": "hobart "}).status_code == 302  # found, not created twice

    hobart = _option(connected, "Region", "Hobart")
    puts = [e for e in sandbox.log() if e["method"] == "PUT" and "TrackingCategories" in e["path"]]
    assert len(puts) == 1
    assert EntityTracking.objects.get(entity=au_entity).option == hobart  # the carried-over text now matches
    assert _push(connected, [invoice])[0].created == 1
    [sent] = _xero_invoices(sandbox, connected)
    assert sent["LineItems"][0]["Tracking"][0]["TrackingOptionID"] == hobart.xero_tracking_option_id


def test_a_journal_whose_option_was_deleted_in_xero_is_held_with_the_message(
    admin_client, connected, sandbox, au_entity
):
    from bms.testing.journals import journal_chart
    from bms.xero.models import JournalLink
    from bms.xero.tests.test_journals import _journal
    from bms.xero.tests.test_journals import _push as journal_push

    journal_chart()
    _choose(admin_client, au_entity, connected, Division="Machinery")
    sandbox.set_tracking(connected.xero_tenant_id, "Division", "Machinery", status="DELETED")
    journal = _journal(au_entity)

    outcome, _ = journal_push(connected, [journal])

    assert outcome.failed == 1
    link = JournalLink.objects.get(journal=journal)
    assert "“Division: Machinery” of Acme Distribution Pty Ltd no longer exists in" in link.last_error
    assert link.error_cause == "tracking option Division: Machinery missing in Xero"
