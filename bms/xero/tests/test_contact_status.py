"""Contacts changed in Xero (issue 16 item 2), against the sandbox over HTTP: an archived contact
holds its customer's invoices until Unarchive (exactly once, even when Xero's answer is lost) or
Relink; a GDPR request can only be relinked; a merge is followed, or reported when it would put two
customers on one contact; a link made again after Delete Integration never replays the old create."""

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from bms.core.models import AuditEvent
from bms.testing import factories as f
from bms.xero.models import ContactLink, InvoiceLink, LinkStatus
from bms.xero.services.contact_checks import ARCHIVED_CAUSE, GDPR_CAUSE, MERGED_CAUSE
from bms.xero.services.contact_repairs import contact_unarchive
from bms.xero.services.contacts import contacts_sync
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import xero_client
from bms.xero.tests.test_invoices import _push, _released, _xero_invoices

pytestmark = pytest.mark.django_db


def _sync(tenant, customers):
    with xero_client(tenant) as client:
        return contacts_sync(tenant=tenant, customers=customers, client=client, log=CollectingLog())


def _trust_window_passes():
    ContactLink.objects.update(xero_contact_read_at=timezone.now() - timedelta(minutes=11))


def _linked(tenant, customer) -> ContactLink:
    return ContactLink.objects.get(tenant=tenant, customer=customer)


def _archived_customer_with_held_invoices(connected, sandbox, au_entity):
    customer = f.customer(code="C0300", name="Archived Later Pty Ltd")
    first = _released(au_entity, [customer], 1)
    _push(connected, first)
    sandbox.set_contact_status(connected.xero_tenant_id, _linked(connected, customer).xero_id, "ARCHIVED")
    _trust_window_passes()
    held = _released(au_entity, [customer], 2)
    outcome, log = _push(connected, held)
    return customer, first, held, outcome, log


def test_an_archived_contact_holds_its_customers_invoices_before_sending(connected, sandbox, au_entity,
                                                                          finance_client):
    customer, _, held, outcome, log = _archived_customer_with_held_invoices(connected, sandbox, au_entity)
    assert (outcome.created, outcome.failed) == (0, 2)
    assert len(_xero_invoices(sandbox, connected)) == 1  # nothing reached Xero to be refused there
    for invoice in held:
        link = InvoiceLink.objects.get(invoice=invoice)
        assert link.status == LinkStatus.FAILED and link.error_cause == ARCHIVED_CAUSE
        assert "Unarchive in Xero or relink" in link.last_error
    assert {cause for level, _, cause, _ in log.lines if level == "error"} == {ARCHIVED_CAUSE}
    page = finance_client.get(reverse("billing:customer_detail", args=[customer.pk])).content.decode()
    assert "Archived in Xero" in page and "<td>Synced" not in page
    assert ">Unarchive</button>" in page and ">Relink</a>" in page


@pytest.mark.django_db(transaction=True)  # the held invoices' push runs as a job once the unarchive commits
def test_unarchive_then_push_lands_the_held_invoices_exactly_once_when_xeros_answer_is_lost(
    connected, sandbox, au_entity, finance_client, finance_user
):
    customer, first, held, _, _ = _archived_customer_with_held_invoices(connected, sandbox, au_entity)
    link = _linked(connected, customer)
    sandbox.set_faults(connected.xero_tenant_id, drop_rate=1.0)  # every write lands, its answer is lost
    finance_client.post(reverse("xero:contact_unarchive", args=[customer.pk, link.pk]))
    sandbox.clear_faults(connected.xero_tenant_id)
    link.refresh_from_db()
    assert (link.xero_contact_status, link.unarchive_key) == ("ACTIVE", "")
    [contact] = [c for c in sandbox.state()["orgs"][connected.xero_tenant_id]["contacts"]
                 if c["ContactID"] == link.xero_id]
    assert contact["ContactStatus"] == "ACTIVE"
    unarchives = [e for e in sandbox.log(connected.xero_tenant_id)
                  if e["method"] == "POST" and e["path"].endswith(f"/Contacts/{link.xero_id}")]
    assert len(unarchives) == 1  # sent once; the lost answer was settled by reading the contact
    # The held invoices were queued by the unarchive (their answers lost too, then found by number).
    numbers = [i["InvoiceNumber"] for i in _xero_invoices(sandbox, connected)]
    assert sorted(numbers) == sorted(i.display_number for i in first + held)
    assert all(InvoiceLink.objects.get(invoice=i).status == LinkStatus.SYNCED for i in held)
    event = AuditEvent.objects.get(action="xero.contact_unarchived")
    assert event.actor == finance_user and event.after["confirmed_by_lookup"] is True
    _push(connected, held)  # a later push sends nothing again
    assert len(_xero_invoices(sandbox, connected)) == 3


def test_a_contact_unarchived_in_xero_by_hand_releases_the_held_invoices_for_the_schedule(
    connected, sandbox, au_entity
):
    from bms.xero.selectors import invoices_due_for_push

    customer, _, held, _, _ = _archived_customer_with_held_invoices(connected, sandbox, au_entity)
    assert not invoices_due_for_push(connected).filter(customer=customer).exists()  # held, not retried blindly
    sandbox.set_contact_status(connected.xero_tenant_id, _linked(connected, customer).xero_id, "ACTIVE")
    _push(connected, _released(au_entity, [f.customer(code="C0399", name="Someone Else")], 1))
    assert not invoices_due_for_push(connected).filter(customer=customer).exists()  # read 10 minutes ago: trusted
    _trust_window_passes()
    _, log = _push(connected, _released(au_entity, [f.customer(code="C0398", name="Another One")], 1))
    assert any("2 invoices held for their customer's Xero contact can go again" in m for *_, m in log.lines)
    due = list(invoices_due_for_push(connected).filter(customer=customer))
    assert due == sorted(held, key=lambda i: i.pk)
    outcome, _ = _push(connected, due)
    assert outcome.created == 2


def test_unarchive_that_xero_refuses_says_why_and_leaves_no_intent(connected, sandbox, au_entity, finance_client):
    customer, _, held, _, _ = _archived_customer_with_held_invoices(connected, sandbox, au_entity)
    link = _linked(connected, customer)
    sandbox.set_contact_status(connected.xero_tenant_id, link.xero_id, "GDPRREQUEST")  # since BMS last read it
    page = finance_client.post(reverse("xero:contact_unarchive", args=[customer.pk, link.pk]), follow=True)
    assert "Xero refused to unarchive the contact: The contact Archived Later Pty Ltd has a GDPR request" in (
        page.content.decode())
    link.refresh_from_db()
    assert (link.xero_contact_status, link.unarchive_key) == ("GDPRREQUEST", "")  # as Xero holds it now
    assert ">Unarchive</button>" not in finance_client.get(
        reverse("billing:customer_detail", args=[customer.pk])).content.decode()
    assert not AuditEvent.objects.filter(action="xero.contact_unarchived").exists()
    assert all(InvoiceLink.objects.get(invoice=i).status == LinkStatus.FAILED for i in held)


def test_unarchive_is_refused_for_a_contact_xero_does_not_show_archived(connected, sandbox, au_entity):
    from bms.core.errors import DomainError

    customer = f.customer(code="C0301", name="Active Pty Ltd")
    _sync(connected, [customer])
    with pytest.raises(DomainError, match="does not show"):
        contact_unarchive(link=_linked(connected, customer), actor=None)
    assert not [e for e in sandbox.log(connected.xero_tenant_id) if e["method"] == "POST"
                and "/Contacts/" in e["path"]]


@pytest.mark.django_db(transaction=True)
def test_a_gdpr_request_is_held_for_relink_and_relink_sends_the_invoices_to_the_chosen_contact(
    connected, sandbox, au_entity, finance_client
):
    customer = f.customer(code="C0302", name="Forgotten Pty Ltd")
    _sync(connected, [customer])
    old = _linked(connected, customer)
    sandbox.set_contact_status(connected.xero_tenant_id, old.xero_id, "GDPRREQUEST")
    _trust_window_passes()
    [invoice] = _released(au_entity, [customer], 1)
    _push(connected, [invoice])
    assert InvoiceLink.objects.get(invoice=invoice).error_cause == GDPR_CAUSE
    page = finance_client.get(reverse("billing:customer_detail", args=[customer.pk])).content.decode()
    assert "GDPR request in Xero" in page and ">Unarchive</button>" not in page
    search = finance_client.get(reverse("xero:contact_relink", args=[customer.pk, old.pk]), {"q": "Harbour"})
    assert "Harbour Tools Pty Ltd" in search.content.decode()
    harbour = next(c for c in sandbox.state()["orgs"][connected.xero_tenant_id]["contacts"]
                   if c["Name"] == "Harbour Tools Pty Ltd")
    finance_client.post(reverse("xero:contact_relink", args=[customer.pk, old.pk]),
                        {"xero_contact_id": harbour["ContactID"]})
    relinked = _linked(connected, customer)
    assert (relinked.xero_id, relinked.xero_contact_status, relinked.status) == (
        harbour["ContactID"], "ACTIVE", LinkStatus.SYNCED)
    [sent] = _xero_invoices(sandbox, connected)  # the held invoice went with the relink
    assert sent["Contact"]["ContactID"] == harbour["ContactID"]
    assert AuditEvent.objects.get(action="xero.contact_relinked").before["xero_id"] == old.xero_id


def test_relink_refuses_a_contact_another_customer_is_linked_to(connected, sandbox, finance_client):
    first, second = f.customer(code="C0303", name="First Pty Ltd"), f.customer(code="C0304", name="Second Pty Ltd")
    _sync(connected, [first, second])
    link = _linked(connected, second)
    answer = finance_client.post(reverse("xero:contact_relink", args=[second.pk, link.pk]),
                                 {"xero_contact_id": _linked(connected, first).xero_id}, follow=True)
    assert "already linked to customer C0303" in answer.content.decode()
    assert _linked(connected, second).xero_id == link.xero_id


def test_a_merge_onto_another_customers_contact_is_reported_not_repointed(connected, sandbox, au_entity,
                                                                           finance_client):
    kept, merged = f.customer(code="C0305", name="Kept Pty Ltd"), f.customer(code="C0306", name="Merged Pty Ltd")
    _sync(connected, [kept, merged])
    merged_link, kept_link = _linked(connected, merged), _linked(connected, kept)
    sandbox.merge_contacts(connected.xero_tenant_id, merged_link.xero_id, into=kept_link.xero_id)
    _trust_window_passes()
    [invoice] = _released(au_entity, [merged], 1)
    _, log = _push(connected, [invoice])
    merged_link.refresh_from_db()
    assert merged_link.xero_id != kept_link.xero_id  # never silently re-pointed
    assert merged_link.xero_merged_to_id == kept_link.xero_id
    assert InvoiceLink.objects.get(invoice=invoice).error_cause == MERGED_CAUSE
    assert any(level == "warning" and "merged in Xero into the contact of customer C0305" in message
               for level, _, _, message in log.lines)
    assert _xero_invoices(sandbox, connected) == []
    page = finance_client.get(reverse("billing:customer_detail", args=[merged.pk])).content.decode()
    assert "Merged into the contact of customer C0305 (Kept Pty Ltd) in Xero" in page


def test_a_merge_onto_a_contact_no_customer_has_is_followed(connected, sandbox, au_entity):
    customer = f.customer(code="C0307", name="Moving Pty Ltd")
    _sync(connected, [customer])
    link = _linked(connected, customer)
    walk_in = next(c for c in sandbox.state()["orgs"][connected.xero_tenant_id]["contacts"]
                   if c["Name"] == "Walk-in Customer")
    sandbox.merge_contacts(connected.xero_tenant_id, link.xero_id, into=walk_in["ContactID"])
    _trust_window_passes()
    [invoice] = _released(au_entity, [customer], 1)
    outcome, _ = _push(connected, [invoice])
    link.refresh_from_db()
    assert (link.xero_id, link.xero_contact_status, link.xero_merged_to_id) == (walk_in["ContactID"], "ACTIVE", "")
    assert outcome.created == 1
    assert _xero_invoices(sandbox, connected)[0]["Contact"]["ContactID"] == walk_in["ContactID"]


def test_statuses_are_read_once_per_trust_window_not_on_every_push(connected, sandbox, au_entity):
    customer = f.customer(code="C0308", name="Trusted Pty Ltd")
    _push(connected, _released(au_entity, [customer], 1))

    def contact_reads() -> int:
        return len([e for e in sandbox.log(connected.xero_tenant_id)
                    if e["method"] == "GET" and e["path"].endswith("/Contacts")])

    before = contact_reads()
    _push(connected, _released(au_entity, [customer], 1))
    assert contact_reads() == before  # the create's answer said ACTIVE a moment ago
    _trust_window_passes()
    _push(connected, _released(au_entity, [customer], 1))
    assert contact_reads() == before + 1  # one paged read for up to 40 linked contacts
    assert _linked(connected, customer).xero_contact_read_at > timezone.now() - timedelta(minutes=1)


def test_delete_integration_then_sync_never_replays_the_old_create(connected, sandbox, admin_client):
    customer = f.customer(code="C0309", name="Relinked Later Pty Ltd")
    _sync(connected, [customer])
    old_id = _linked(connected, customer).xero_id
    admin_client.post(reverse("xero:customer_unlink", args=[customer.pk]))
    # In Xero the old contact is renamed and loses its code, so nothing matches the customer any more.
    tokens = sandbox.mint_grant()
    renamed = httpx.post(f"{sandbox.api_url}/Contacts/{old_id}", headers=sandbox.api_headers(
        tokens, connected.xero_tenant_id), json={"Contacts": [{"Name": "Someone Else Ltd", "ContactNumber": ""}]})
    assert renamed.status_code == 200
    _sync(connected, [customer])  # well inside Xero's idempotency window
    new_id = _linked(connected, customer).xero_id
    assert new_id != old_id
    names = {c["ContactID"]: c["Name"] for c in sandbox.state()["orgs"][connected.xero_tenant_id]["contacts"]}
    assert (names[old_id], names[new_id]) == ("Someone Else Ltd", "Relinked Later Pty Ltd")


@pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")
def test_the_new_calls_send_and_get_only_what_xeros_description_has(connected, sandbox, au_entity):
    from bms.xero.services.contact_repairs import xero_contacts_search
    from bms.xero.services.contact_status import contact_statuses_refresh
    from bms.xero.services.currency_checks import tenant_currencies
    from xero_sandbox.contract import contract_problems, request_problems, require_spec_files

    require_spec_files()
    customer = f.customer(code="C0310", name="Contract Pty Ltd")
    _sync(connected, [customer])
    link = _linked(connected, customer)
    sandbox.set_contact_status(connected.xero_tenant_id, link.xero_id, "ARCHIVED")
    sandbox.configure(record_traffic=True)
    with xero_client(connected) as client:
        contact_statuses_refresh(tenant=connected, client=client, customer_ids=[customer.pk], log=CollectingLog(),
                                 force=True)
        tenant_currencies(tenant=connected, client=client, force=True)
    link.refresh_from_db()
    contact_unarchive(link=link, actor=None)
    xero_contacts_search(link=link, term="Contract")
    traffic = [e for e in sandbox.traffic() if e["spec"] == "accounting"]
    assert {e["path"].rsplit("/", 1)[-1] if "Contacts/" not in e["path"] else "Contacts/{id}" for e in traffic} >= {
        "Contacts", "Contacts/{id}", "Currencies"}
    assert contract_problems(traffic) == []
    assert request_problems(traffic) == []


def test_check_against_xero_reads_contact_status_and_currencies_and_keeps_nothing(connected, sandbox, au_entity):
    from bms.billing.services import InvoiceLineData, invoice_approve, invoice_create
    from bms.xero.models import XeroTenant
    from bms.xero.services.check_against_xero import check_against_xero

    customer = f.customer(code="C0311", name="Checked Pty Ltd")
    _sync(connected, [customer])
    link = _linked(connected, customer)
    sandbox.set_contact_status(connected.xero_tenant_id, link.xero_id, "ARCHIVED")  # BMS read it as ACTIVE
    _released(au_entity, [customer], 1)
    other = f.customer(code="C0312", name="Euro Pty Ltd")
    invoice_approve(invoice=invoice_create(
        entity=au_entity, customer=other, issued_on=link.created_at.date(), currency="EUR",
        lines=[InvoiceLineData("Lathe", Decimal("1"), Decimal("100"), f.account("41110", "Sales"), f.tax_rate())]))
    sandbox.clear_log()
    report = check_against_xero(tenant=connected, entities=[au_entity], log=CollectingLog())
    causes = {cause.cause: cause.counts for cause in report.causes}
    assert causes[ARCHIVED_CAUSE] == {"invoice": 1}
    assert causes["currency EUR not enabled in Xero"] == {"invoice": 1}
    assert [e for e in sandbox.log(connected.xero_tenant_id) if e["method"] != "GET"] == []
    link.refresh_from_db()
    assert link.xero_contact_status == "ACTIVE"  # what BMS keeps changes only with a real push
    assert XeroTenant.objects.get(pk=connected.pk).currencies == ""
