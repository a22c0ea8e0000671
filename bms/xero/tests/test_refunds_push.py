"""Refunds entered in BMS before their credit note reached Xero follow it as Xero payments on the
credit note (issue 19, gap 1), against the sandbox over HTTP: both sides then show the same credit
left, the pull counts the refund once, exactly once under lost answers, a reversed one never goes, and
without the permission or the account they wait or fail like payments entered before connecting."""

import html
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.models import CreditNote, Refund
from bms.billing.services import (
    CreditNoteLineData,
    credit_note_create_standalone,
    credit_note_release,
    refund_record,
    refund_reverse,
)
from bms.core.errors import DomainError
from bms.jobs.models import Job, JobStatus
from bms.jobs.services import job_enqueue, job_run
from bms.testing import factories as f
from bms.xero.models import CreditNoteLink, LinkStatus, RefundLink, RefundSendLink, XeroTenant
from bms.xero.reconcile.run import reconciliation_run
from bms.xero.services.refunds_push import refunds_due_for_send
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import authenticate, connect, connect_page
from bms.xero.tests.test_credit_notes_pull import _pull
from bms.xero.tests.test_credit_notes_push import push_all, xero_credit_notes

pytestmark = pytest.mark.django_db
D = Decimal


def goodwill_credit(entity, customer) -> CreditNote:
    """4 drill bit sets at 12.345 (49.38, GST free) and 3 glasses at 19.99 (59.97 + 6.00): 115.35,
    for no invoice, so all of it is left to refund."""
    revenue, gst, free = f.account("41110"), f.tax_rate(), f.tax_rate("EXEMPTOUTPUT", "0", "GST Free Income")
    note = credit_note_create_standalone(entity=entity, customer=customer, issued_on=date(2026, 4, 21), currency="AUD",
                                         lines=[CreditNoteLineData("Drill bit set", D("4"), D("12.345"), revenue, free),
                                                CreditNoteLineData("Safety glasses", D("3"), D("19.99"), revenue, gst)])
    note = credit_note_release(credit_note=note)
    assert (note.total_amount, note.remaining_credit) == (D("115.35"), D("115.35"))
    return note


def _refund(note, amount="40.00", reference="Cheque 1001") -> Refund:
    return refund_record(credit_note=note, amount=D(amount), paid_on=date(2026, 4, 22), reference=reference)


def _with_payments_scope(admin_client, entity, sandbox) -> XeroTenant:
    """Authenticate, connect (go-live 2000), authenticate again: the refunds waiting are why BMS now
    asks for accounting.payments."""
    authenticate(admin_client, entity)
    tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("AU"))
    connect(admin_client, entity, tenant)
    authenticate(admin_client, entity)
    tenant.refresh_from_db()
    assert "accounting.payments" in tenant.grant.scopes.split()
    return tenant


def test_connect_asks_for_the_refunds_account_and_says_the_permission_is_needed(
        admin_client, xero_settings, xero_active, au_entity, sandbox):
    note = goodwill_credit(au_entity, f.customer())
    _refund(note)
    authenticate(admin_client, au_entity)
    tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("AU"))
    assert "accounting.payments" not in tenant.grant.scopes.split()  # not before the go-live date is chosen

    refused = connect(admin_client, au_entity, tenant, payments_account="")

    assert ("1 credit note dated on or after 01/01/2000 had credit refunded in BMS before it was sent: choose the "
            "account the refunds go to in Xero.") in html.unescape(refused.content.decode())
    connect(admin_client, au_entity, tenant)
    page = connect_page(admin_client, au_entity)
    assert "1 credit note dated on or after the go-live date has refunds entered in BMS." in page
    assert f'{reverse("xero:consent", args=[au_entity.pk])}?payments=1' in page
    authenticate(admin_client, au_entity)
    tenant.refresh_from_db()
    assert "accounting.payments" in tenant.grant.scopes.split()
    assert "refunds entered in BMS" not in connect_page(admin_client, au_entity)


def _xero_refunds(sandbox, tenant) -> list[dict]:
    return [p for p in sandbox.state()["orgs"][tenant.xero_tenant_id]["payments"]
            if p["PaymentType"] == "ARCREDITPAYMENT"]


def _payment_puts(sandbox, tenant) -> list[dict]:
    return [e for e in sandbox.log(tenant.xero_tenant_id) if e["endpoint"] == "PUT /Payments"]


def test_a_refund_before_sending_goes_once_and_both_sides_show_75_35_left(
        admin_client, xero_settings, xero_active, au_entity, sandbox):
    note = goodwill_credit(au_entity, f.customer())
    refund = _refund(note)
    assert CreditNote.objects.get(pk=note.pk).remaining_credit == D("75.35")
    tenant = _with_payments_scope(admin_client, au_entity, sandbox)

    push_all(tenant, credit_notes=[note])

    xero = xero_credit_notes(sandbox, tenant)[note.display_number]
    note = CreditNote.objects.get(pk=note.pk)
    assert (xero["Status"], D(str(xero["RemainingCredit"])), note.remaining_credit) == (
        "AUTHORISED", D("75.35"), D("75.35"))
    [sent] = _xero_refunds(sandbox, tenant)
    assert (D(str(sent["Amount"])), sent["Account"]["Code"], sent["Reference"], sent["CreditNote"]["CreditNoteID"]) == (
        D("40.00"), "10100", f"BMS-REF-{refund.pk} Cheque 1001", xero["CreditNoteID"])
    link = RefundSendLink.objects.get(refund=refund)
    assert (link.status, link.xero_id) == (LinkStatus.SYNCED, sent["PaymentID"])
    assert RefundLink.objects.get(refund=refund).xero_payment_id == sent["PaymentID"]
    # Xero holds the credit note now: it owns further refunds.
    with pytest.raises(DomainError, match="owns its refunds"):
        _refund(note, "10.00")

    _pull(tenant, from_start=True)  # the refund comes back with the credit note: counted once
    assert list(Refund.objects.filter(credit_note=note)) == [refund]
    assert CreditNote.objects.get(pk=note.pk).remaining_credit == D("75.35")
    note_link = CreditNoteLink.objects.get(credit_note=note)  # the panel's figures: Xero's, agreeing
    assert (note_link.status, note_link.xero_remaining_credit) == (LinkStatus.SYNCED, D("75.35"))
    run = reconciliation_run(tenant=tenant, date_from=date(2026, 4, 1), date_to=date(2026, 4, 30), full=True,
                             log=CollectingLog())
    assert run.counts["credit_note"] == {"compared": 1, "agree": 1, "differ": 0, "only_bms": 0, "only_xero": 0}
    assert "credit_left" not in run.cause_counts

    sandbox.clear_log()
    push_all(tenant, credit_notes=[note])  # nothing goes twice
    assert _payment_puts(sandbox, tenant) == [] and not refunds_due_for_send(tenant).exists()


def test_a_refund_whose_answer_is_lost_is_found_by_its_reference_and_not_sent_twice(
        admin_client, xero_settings, xero_active, au_entity, sandbox):
    note = goodwill_credit(au_entity, f.customer())
    refund = _refund(note)
    tenant = _with_payments_scope(admin_client, au_entity, sandbox)
    sandbox.set_faults(tenant.xero_tenant_id, drop_rate=1.0)  # every write lands, every answer is lost
    sandbox.clear_log()

    push_all(tenant, credit_notes=[note])

    sandbox.clear_faults(tenant.xero_tenant_id)
    assert [e["problem"] for e in _payment_puts(sandbox, tenant)] == ["dropped"]  # looked up, not re-sent
    [sent] = _xero_refunds(sandbox, tenant)
    link = RefundSendLink.objects.get(refund=refund)
    assert (link.status, link.xero_id) == (LinkStatus.SYNCED, sent["PaymentID"])
    push_all(tenant, credit_notes=[note])
    assert len(_xero_refunds(sandbox, tenant)) == 1
    assert D(str(xero_credit_notes(sandbox, tenant)[note.display_number]["RemainingCredit"])) == D("75.35")


def test_the_pull_recognises_a_sent_refund_the_push_had_not_linked_yet(
        admin_client, xero_settings, xero_active, au_entity, sandbox):
    """The worker stopped after the call, before it could look the refund up: the pull sees a payment
    carrying the refund's reference and links it instead of recording a second refund."""
    note = goodwill_credit(au_entity, f.customer())
    refund = _refund(note)
    tenant = _with_payments_scope(admin_client, au_entity, sandbox)
    push_all(tenant, credit_notes=[note])
    RefundLink.objects.filter(refund=refund).delete()
    RefundSendLink.objects.filter(refund=refund).update(status=LinkStatus.UNCERTAIN, xero_id=None)

    _pull(tenant, from_start=True)

    assert list(Refund.objects.filter(credit_note=note)) == [refund]
    assert CreditNote.objects.get(pk=note.pk).remaining_credit == D("75.35")
    [sent] = _xero_refunds(sandbox, tenant)
    assert RefundLink.objects.get(refund=refund).xero_payment_id == sent["PaymentID"]
    assert RefundSendLink.objects.get(refund=refund).status == LinkStatus.SYNCED
    push_all(tenant, credit_notes=[note])
    assert len(_xero_refunds(sandbox, tenant)) == 1


def test_a_refund_reversed_before_sending_is_not_sent(admin_client, xero_settings, xero_active, au_entity, sandbox):
    note = goodwill_credit(au_entity, f.customer())
    kept, mistaken = _refund(note, "40.00"), _refund(note, "25.00", reference="")
    refund_reverse(refund=mistaken)
    tenant = _with_payments_scope(admin_client, au_entity, sandbox)

    push_all(tenant, credit_notes=[note])

    [sent] = _xero_refunds(sandbox, tenant)
    assert (D(str(sent["Amount"])), sent["Reference"]) == (D("40.00"), f"BMS-REF-{kept.pk} Cheque 1001")
    assert not RefundSendLink.objects.filter(refund=mistaken).exists()
    assert D(str(xero_credit_notes(sandbox, tenant)[note.display_number]["RemainingCredit"])) == D("75.35")


def test_without_the_permission_it_waits_and_without_an_account_it_fails(
        admin_client, connected, sandbox, au_entity):
    """Connected before the refund existed: the grant lacks accounting.payments, so the refund waits
    (the credit note goes); authenticating again asks for it and the refund follows."""
    note = goodwill_credit(au_entity, f.customer())
    refund = _refund(note)

    _, log = push_all(connected, credit_notes=[note])

    assert D(str(xero_credit_notes(sandbox, connected)[note.display_number]["RemainingCredit"])) == D("115.35")
    assert _xero_refunds(sandbox, connected) == []
    assert ("warning", f"Refund of 40.00 from credit note {note.display_number}", "needs Xero's accounting.payments "
            "permission") in [line[:3] for line in log.lines]
    assert refunds_due_for_send(connected).get() == refund
    authenticate(admin_client, au_entity)
    connected.refresh_from_db()
    assert "accounting.payments" in connected.grant.scopes.split()
    XeroTenant.objects.filter(pk=connected.pk).update(payments_account_code="")
    connected.refresh_from_db()

    push_all(connected, credit_notes=[note])

    link = RefundSendLink.objects.get(refund=refund)
    assert (link.status, link.error_cause) == (LinkStatus.FAILED, "no payments account chosen")
    assert "Connect Xero Organisation" in link.last_error and _xero_refunds(sandbox, connected) == []
    push_all(connected, credit_notes=[note])  # the schedule does not send a failed one again
    assert _xero_refunds(sandbox, connected) == []

    # The account chosen, Sync Credit Note with Xero sends it.
    XeroTenant.objects.filter(pk=connected.pk).update(payments_account_code="10100")
    admin_client.post(reverse("xero:credit_note_sync", args=[note.pk]))
    job_run(job_id=Job.objects.get(kind="xero.credit_notes.push").pk)
    [sent] = _xero_refunds(sandbox, connected)
    assert (D(str(sent["Amount"])), RefundSendLink.objects.get(refund=refund).status) == (D("40.00"), LinkStatus.SYNCED)
    assert D(str(xero_credit_notes(sandbox, connected)[note.display_number]["RemainingCredit"])) == D("75.35")


def test_re_send_failed_records_sends_a_refund_that_failed_for_want_of_an_account(
        admin_client, connected, sandbox, au_entity):
    note = goodwill_credit(au_entity, f.customer())
    refund = _refund(note)
    authenticate(admin_client, au_entity)  # a refund waits now: BMS asks for accounting.payments
    XeroTenant.objects.filter(pk=connected.pk).update(payments_account_code="")
    job_run(job_id=job_enqueue(kind="xero.credit_notes.push", description="Push credit notes",
                               params={"tenant_id": connected.pk}).pk)
    job = Job.objects.get(kind="xero.credit_notes.push")
    [group] = admin_client.get(reverse("jobs:job_detail", args=[job.pk])).context["errors_by_cause"]
    assert (group["cause"], group["to_resend"]) == ("no payments account chosen", 1)

    XeroTenant.objects.filter(pk=connected.pk).update(payments_account_code="10100")
    admin_client.post(reverse("jobs:job_resend", args=[job.pk]), {"cause": group["cause"]})

    [resend] = Job.objects.filter(retry_of=job)
    assert resend.params == {"tenant_id": connected.pk, "refund_ids": [refund.pk]}
    assert resend.status == JobStatus.QUEUED  # (it runs once the request's transaction commits)
    job_run(job_id=resend.pk)
    [sent] = _xero_refunds(sandbox, connected)
    assert (D(str(sent["Amount"])), RefundSendLink.objects.get(refund=refund).status) == (D("40.00"), LinkStatus.SYNCED)


def test_a_refund_xero_holds_is_undone_by_deleting_it_in_xero_not_by_reversing_it_in_bms(
        admin_client, xero_settings, xero_active, au_entity, sandbox):
    note = goodwill_credit(au_entity, f.customer())
    refund = _refund(note)
    tenant = _with_payments_scope(admin_client, au_entity, sandbox)
    push_all(tenant, credit_notes=[note])

    detail = html.unescape(admin_client.get(reverse("billing:credit_note_detail", args=[note.pk])).content.decode())
    assert "Delete it in Xero to undo" in detail  # no Reverse beside it
    assert reverse("billing:refund_reverse", args=[note.pk, refund.pk]) not in detail
    with pytest.raises(DomainError, match="delete that payment in Xero, and the next pull reverses the refund here"):
        refund_reverse(refund=refund)
    page = html.unescape(admin_client.post(reverse("billing:refund_reverse", args=[note.pk, refund.pk]),
                                           follow=True).content.decode())
    assert "Xero holds this refund of 40.00" in page
    assert (Refund.objects.get(pk=refund.pk).reversed_at, CreditNote.objects.get(pk=note.pk).remaining_credit) == (
        None, D("75.35"))  # both sides still agree

    sandbox.delete_payment(tenant.xero_tenant_id, RefundLink.objects.get(refund=refund).xero_payment_id)
    _pull(tenant)
    assert Refund.objects.get(pk=refund.pk).reversed_at is not None
    xero = xero_credit_notes(sandbox, tenant)[note.display_number]
    assert (D(str(xero["RemainingCredit"])), CreditNote.objects.get(pk=note.pk).remaining_credit) == (
        D("115.35"), D("115.35"))
