"""The audit log: append-only at every level, and Admin → Audit Log shows and filters it."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from bms.core.audit import ACTIONS, audit_record
from bms.core.models import AuditAppendOnlyError, AuditEvent
from bms.core.testing import page_link

pytestmark = pytest.mark.django_db


def test_it_refuses_to_change_or_delete_an_event_through_the_model(admin_user):
    event = audit_record(actor=admin_user, action="settings.changed", target="General Settings",
                         before={"default_currency": "AUD"}, after={"default_currency": "NZD"})
    event.target = "something else"
    with pytest.raises(AuditAppendOnlyError):
        event.save()
    with pytest.raises(AuditAppendOnlyError):
        event.delete()
    with pytest.raises(AuditAppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(target="rewritten")
    with pytest.raises(AuditAppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().target == "General Settings"


def test_it_refuses_a_rewrite_that_bypasses_the_orm(admin_user):
    event = audit_record(actor=admin_user, action="settings.changed", target="General Settings")
    refused = DatabaseError  # SQLite: IntegrityError; PostgreSQL: the trigger's exception
    with pytest.raises(refused), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET target = 'rewritten' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get().target == "General Settings"


def test_it_keeps_who_it_was_when_the_user_is_deleted(admin_user):
    audit_record(actor=admin_user, action="settings.changed", target="General Settings")
    admin_user.delete()
    event = AuditEvent.objects.get()
    assert event.actor is None and event.actor_name == "Alice_admin"


def test_it_refuses_an_action_nobody_declared(admin_user):
    with pytest.raises(KeyError):
        audit_record(actor=admin_user, action="xero.something_new")


def test_it_shows_events_to_admins_with_before_and_after_and_filters_them(admin_client, admin_user, finance_user):
    audit_record(actor=admin_user, action="xero.relinked", target="entity AU",
                 before={"tenant": "Acme AU"}, after={"tenant": "Acme NZ"}, message="Cleared 3 links.")
    audit_record(actor=finance_user, action="xero.bulk_sync", target="invoices", after={"jobs": [7]})
    page = admin_client.get(reverse("audit_log"))
    html = page.content.decode()
    assert page.status_code == 200
    assert ACTIONS["xero.relinked"] in html and "Acme AU" in html and "Acme NZ" in html and "Cleared 3 links." in html
    assert ACTIONS["xero.bulk_sync"] in html
    only_relinks = admin_client.get(reverse("audit_log"), {"action": "xero.relinked"}).content.decode()
    assert "Acme NZ" in only_relinks and ">invoices<" not in only_relinks
    by_finance = admin_client.get(reverse("audit_log"), {"user": finance_user.pk}).content.decode()
    assert "entity AU" not in by_finance and ">invoices<" in by_finance
    searched = admin_client.get(reverse("audit_log"), {"q": "entity au"}).content.decode()
    assert "Acme NZ" in searched and ">invoices<" not in searched
    # Garbage in the filters is ignored, never an error.
    for junk in ({"action": "drop table"}, {"user": "1 OR 1=1"}, {"user": "9" * 40}, {"page": "-1"}, {"q": "é" * 500}):
        assert admin_client.get(reverse("audit_log"), junk).status_code == 200
    assert admin_client.get(reverse("audit_log"), {"q": "\x00"}).status_code == 400  # never a server error


def test_it_paginates_the_audit_log(admin_client, admin_user):
    for number in range(51):
        audit_record(actor=admin_user, action="settings.changed", target=f"change {number}")
    response = admin_client.get(reverse("audit_log"))
    first = response.content.decode()
    assert "51 rows" in first and "change 50" in first and "change 0<" not in first
    second = admin_client.get(reverse("audit_log") + page_link(response, "next")).content.decode()
    assert "change 0<" in second


def test_it_puts_the_audit_log_in_the_admin_menu_only(admin_client, finance_client):
    assert b"Audit Log" in admin_client.get(reverse("entities:entity_list")).content
    assert b"Audit Log" not in finance_client.get(reverse("billing:invoice_list")).content


def test_it_says_before_and_after_in_words_not_python(admin_client, admin_user):
    """Issue 17: the log showed `jobs: [1]` and `inherits: False`."""
    audit_record(actor=admin_user, action="xero.relinked", target="entity AU-MEL",
                 before={"tenant": None, "inherits": False}, after={"tenant": "Acme AU", "inherits": True})
    audit_record(actor=admin_user, action="xero.bulk_sync", target="invoices",
                 after={"jobs": [1, 12], "organisations": ["Push to Acme AU", "Push to Acme NZ"]})
    html = admin_client.get(reverse("audit_log")).content.decode()
    for python in ("[1", "False", "True", "None", "['"):
        assert python not in html.split("<tbody>")[1], python
    assert "Uses its organisation&#x27;s Xero connection:</span> No" in html
    assert "Uses its organisation&#x27;s Xero connection:</span> Yes" in html
    assert "Xero organisation:</span> —" in html and "Jobs:</span> #1, #12" in html
    assert "Organisations:</span> Push to Acme AU, Push to Acme NZ" in html
