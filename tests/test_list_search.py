"""Every list's search box (bms/core/search.py): any part of a code, number or name, upper or lower
case alike, the same rows on SQLite (FTS5 trigram tables) and PostgreSQL (pg_trgm indexes) — each
expectation here is worked out in Python, so both runs of the suite check the same answer. An
edited row is found by its new text and no longer by its old; terms with the search syntax's own
characters are plain text."""

from datetime import date

import pytest
from django.db import connection
from django.urls import reverse

from bms.billing.selectors import invoices_list
from bms.core.models import AuditEvent
from bms.core.search import SEARCHES, ensure_search_indexes
from bms.core.selectors import audit_events
from bms.customers.models import Customer
from bms.customers.selectors import customers_list
from bms.ledger.models import AccountClass, AccountType
from bms.ledger.selectors import accounts_list
from bms.testing import factories
from bms.testing.lists import seed_base

pytestmark = pytest.mark.django_db

NAMES = ["Bright Tools Pty Ltd", "BRIGHTON Hardware", "Harbour Supplies", "Kauri Timber (NZ)", 'The "Quoted" Co',
         "Summit * Partners", "Atlas {Group}: AND OR NOT", "ümlaut Händler", "100% Cotton"]


@pytest.fixture
def customers():
    return [Customer.objects.create(code=f"C{n:04d}{n * 37 % 100:02d}", name=name,
                                    email=f"accounts@{name.split()[0].lower().strip(chr(34))}.example")
            for n, name in enumerate(NAMES)]


def _expected(rows, fields, term):
    term = term.strip().lower()
    return sorted(row.pk for row in rows if any(term in getattr(row, f).lower() for f in fields))


TERMS = ["righ", "RIGHT", "bright", "tools pty", "0003", "000", "harbour supplies", "(NZ)", '"Quoted"', 'e "Q',
         "* Part", "{Group}:", "AND OR", "NOT", "%", "100%", "_", "ex", "a", "@harbour", "no such customer",
         "Händler"]


@pytest.mark.parametrize("term", TERMS)
def test_a_customer_is_found_by_any_part_of_its_code_name_or_email_in_any_case(customers, term):
    found = sorted(c.pk for c in customers_list(search=term))
    assert found == _expected(customers, ("code", "name", "email"), term)


def test_a_search_finds_a_code_by_digits_in_its_middle(customers):
    assert [c.name for c in customers_list(search="0003")] == ["Kauri Timber (NZ)"]
    assert [c.name for c in customers_list(search="riGHTon hard")] == ["BRIGHTON Hardware"]


def test_an_edited_customer_is_found_by_its_new_text_and_not_by_its_old(customers):
    harbour = customers[2]
    harbour.name = "Meridian Wholesale"
    harbour.save()
    assert [c.pk for c in customers_list(search="idian whole")] == [harbour.pk]
    assert list(customers_list(search="harbour supp")) == []
    Customer.objects.filter(pk=customers[3].pk).update(email="ap@totara.example")  # a bulk update too
    assert [c.pk for c in customers_list(search="totara")] == [customers[3].pk]
    customers[0].delete()
    assert [c.name for c in customers_list(search="bright")] == ["BRIGHTON Hardware"]


def test_the_customer_list_screen_searches_the_same_way(admin_client, customers):
    response = admin_client.get(reverse("billing:customer_list"), {"q": "TIMBER"})
    assert response.status_code == 200
    assert [c.name for c in response.context["page_obj"]] == ["Kauri Timber (NZ)"]


def test_invoices_are_found_by_part_of_their_reference_or_their_customers_name_or_code(customers):
    au = factories.entity("AU")
    first = factories.draft_invoice(on_entity=au, for_customer=customers[0], reference="PO-2026-00417")
    second = factories.draft_invoice(on_entity=au, for_customer=customers[2], reference="order 99")
    assert [i.pk for i in invoices_list(search="6-004")] == [first.pk]
    assert [i.pk for i in invoices_list(search="ARBOUR SUP")] == [second.pk]
    assert [i.pk for i in invoices_list(search=customers[2].code[2:6])] == [second.pk]
    assert sorted(i.pk for i in invoices_list(search="righ")) == [first.pk]  # BRIGHTON has no invoice
    second.reference = "PO-777"
    second.save()
    assert [i.pk for i in invoices_list(search="o-77")] == [second.pk]


def test_audit_events_and_accounts_are_found_by_part_of_their_text(db):
    base = seed_base()
    events = [AuditEvent.objects.create(actor=base.user, action="settings.changed", target=target, message=message)
              for target, message in [("General Settings", "Base currency AUD → NZD"), ("Entity AU", "Renamed")]]
    assert [e.pk for e in audit_events(search="currency aud")] == [events[0].pk]
    assert [e.pk for e in audit_events(search="ity a")] == [events[1].pk]
    cash = factories.account("1090417", "Petty Cash Float", AccountClass.ASSET, AccountType.CURRENT)
    assert [a.pk for a in accounts_list(search="9041")] == [cash.pk]
    assert [a.pk for a in accounts_list(search="cash fl")] == [cash.pk]


def test_credit_notes_are_found_by_part_of_their_reference_or_xero_number_and_by_their_number(db):
    from bms.billing.models import CreditNote, CreditSource
    from bms.billing.selectors_credit import credit_notes_list

    base = seed_base()
    note = CreditNote.objects.create(entity=base.entities[0], customer=base.customers[0], number=7,
                                     reference="RMA-55123 damaged", issued_on=date(2026, 5, 1), currency="AUD")
    from_xero = CreditNote.objects.create(entity=base.entities[2], customer=base.customers[1], source=CreditSource.XERO,
                                          xero_number="CN-0917", issued_on=date(2026, 5, 2), currency="NZD")
    assert [n.pk for n in credit_notes_list(search="5512")] == [note.pk]
    assert [n.pk for n in credit_notes_list(search="DAMAGED")] == [note.pk]
    assert list(credit_notes_list(search="rma-9")) == []
    assert [n.pk for n in credit_notes_list(search="n-09")] == [from_xero.pk]
    assert [n.pk for n in credit_notes_list(search="000007")] == [note.pk]
    assert [n.pk for n in credit_notes_list(search="CN-AU-000007")] == [note.pk]


def test_an_invoice_is_found_by_its_number_on_whichever_entity(customers):
    au, nz = factories.entity("AU"), factories.entity("NZ")
    on_au = factories.draft_invoice(on_entity=au, for_customer=customers[0])
    on_nz = factories.draft_invoice(on_entity=nz, for_customer=customers[0])
    assert on_au.number == on_nz.number == 1
    assert sorted(i.pk for i in invoices_list(search="000001")) == sorted([on_au.pk, on_nz.pk])
    assert [i.pk for i in invoices_list(search="NZ-1")] == [on_nz.pk]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite remakes a table (and loses its triggers) on "
                    "some migrations; PostgreSQL alters it in place")
def test_after_migrate_a_table_that_lost_its_search_triggers_gets_them_back_with_its_index_rebuilt(customers):
    with connection.cursor() as cursor:
        for suffix in ("insert", "delete", "update"):
            cursor.execute(f'DROP TRIGGER "billing_customer_search_{suffix}"')
    unseen = Customer.objects.create(code="Z9", name="Pohutukawa Imports")
    assert list(customers_list(search="pohutukawa")) == []  # what a remade table without triggers would show
    ensure_search_indexes()  # what post_migrate runs
    assert [c.pk for c in customers_list(search="pohutukawa")] == [unseen.pk]
    customers[1].name = "Totara Hardware"
    customers[1].save()
    assert [c.pk for c in customers_list(search="totara")] == [customers[1].pk]


def test_every_searchable_table_has_its_index_after_migrate(db):
    from django.apps import apps

    with connection.cursor() as cursor:
        for label, fields in SEARCHES.items():
            table = apps.get_model(label)._meta.db_table
            if connection.vendor == "sqlite":
                cursor.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE %s AND type = 'trigger'",
                               [f"{table}_search_%"])
                assert cursor.fetchone()[0] == 3, label
            else:
                # without a pending list (fastupdate off), which every search would read in full
                cursor.execute("SELECT count(*) FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
                               "WHERE i.tablename = %s AND i.indexname LIKE %s "
                               "AND 'fastupdate=off' = ANY(c.reloptions)",
                               [table, "%trgm"])
                assert cursor.fetchone()[0] == len(fields), label


@pytest.mark.parametrize("term", ["righ", "ex", "harbour supplies", "no such customer"])
def test_more_matches_than_are_listed_by_id_find_the_same_rows(customers, monkeypatch, term):
    from bms.core import search

    monkeypatch.setattr(search, "MATCHES_LISTED", 1)  # every term with 2+ matches reads the list instead
    found = sorted(c.pk for c in customers_list(search=term))
    assert found == _expected(customers, ("code", "name", "email"), term)
    au = factories.entity("AU")
    invoice = factories.draft_invoice(on_entity=au, for_customer=customers[0], reference="PO-1")
    by_customer = [i.pk for i in invoices_list(search=term)]  # the invoice list searches name and code
    assert by_customer == ([invoice.pk] if customers[0].pk in _expected(customers, ("code", "name"), term) else [])
