from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from bms.cogs.models import CostOfSalesJournal
from bms.core.testing import page_link
from bms.testing import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("cogs:journal_list")


@pytest.fixture
def journals():
    au, nz = f.entity("AU"), f.entity("NZ", time_zone="Pacific/Auckland")
    made = {}
    for entity, day in ((au, 22), (au, 23), (nz, 23), (au, 24)):
        made[f"{entity.code}_{day}"] = CostOfSalesJournal.objects.create(
            entity=entity, journaled_on=date(2026, 4, day), description=f"B2B Cost of Sales Journal for {day}/04/2026",
            debit_amount=Decimal("12.50"), credit_amount=Decimal("12.50"))
    return made


def _ids(response) -> list[int]:
    return [journal.pk for journal in response.context["page_obj"]]


def test_it_lists_journals_with_their_columns_newest_first(admin_client, journals):
    response = admin_client.get(URL)
    for heading in ("Id", "Journaled", "Description", "Entity", "Debit", "Credit", "Created", "Updated",
                    "Last Push", "Status"):
        assert f">{heading}</th>".encode() in response.content
    assert _ids(response)[0] == journals["AU_24"].pk and len(_ids(response)) == 4
    assert b"23/04/2026" in response.content and b"12.50" in response.content


def test_it_filters_by_entity_and_date_range(admin_client, journals):
    au = journals["AU_22"].entity
    response = admin_client.get(URL, {"entity": au.pk, "date_from": "2026-04-23", "date_to": "2026-04-24"})
    assert _ids(response) == [journals["AU_24"].pk, journals["AU_23"].pk]
    response = admin_client.get(URL, {"entity": "", "date_from": "2026-04-23", "date_to": "2026-04-23"})
    assert set(_ids(response)) == {journals["AU_23"].pk, journals["NZ_23"].pk}


def test_it_filters_by_status_so_held_journals_are_found_at_once(admin_client, journals):
    from bms.cogs.models import JournalStatus

    CostOfSalesJournal.objects.filter(pk=journals["NZ_23"].pk).update(status=JournalStatus.HELD)
    response = admin_client.get(URL, {"status": JournalStatus.HELD})
    assert _ids(response) == [journals["NZ_23"].pk]
    assert b">Held</option>" in response.content and b">Pushed to Xero</option>" in response.content


def test_it_shows_a_backwards_date_range_as_an_error(admin_client, journals):
    response = admin_client.get(URL, {"date_from": "2026-04-24", "date_to": "2026-04-22"})
    assert response.context["filters"].errors["date_to"] == ["The end date is before the start date."]
    assert _ids(response) == []


def test_it_explains_where_journals_come_from_when_there_are_none(admin_client):
    assert b"builds one cost-of-sales journal per entity from the previous day" in admin_client.get(URL).content


def test_it_paginates(admin_client):
    entity = f.entity()
    CostOfSalesJournal.objects.bulk_create(
        CostOfSalesJournal(entity=entity, journaled_on=date(2026, 1, 1) + timedelta(days=n),
                           description=f"J{n}") for n in range(51))
    first = admin_client.get(URL)
    assert len(_ids(first)) == 50
    assert len(_ids(admin_client.get(URL + page_link(first, "next")))) == 1


def test_it_refuses_staff_and_finance(staff_client, finance_client):
    assert staff_client.get(URL).status_code == 403
    assert finance_client.get(URL).status_code == 403


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    assert client.get(URL).url.startswith(reverse("login"))
