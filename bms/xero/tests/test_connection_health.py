"""Connection health that tells the truth (issue 17, item 1), against the sandbox over real HTTP.

Every answer of Xero's that means the connection cannot work — from a read as much as from a write —
is classified by what fixes it, opens one incident (one e-mail), parks exactly the work it blocks,
shows on the screens and in `bms status`, and after the fix the parked work lands exactly once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from bms.jobs.models import Job
from bms.jobs.services import job_enqueue
from bms.testing import factories as f
from bms.testing.journals import journal_chart
from bms.xero.client.errors import AuthError
from bms.xero.client.refusals import RefusalKind
from bms.xero.client.schemas import Contact
from bms.xero.models import (
    ContactLink,
    GrantStatus,
    IncidentKind,
    InvoiceLink,
    JournalLink,
    LinkStatus,
    XeroGrant,
    XeroIncident,
    XeroTenant,
)
from bms.xero.status_lines import xero_status_lines
from bms.xero.tests.conftest import authenticate, xero_client
from bms.xero.tests.test_invoices import _released, _xero_invoices
from bms.xero.tests.test_journals import _journal, _xero_journals

pytestmark = pytest.mark.django_db(transaction=True)


def _sandbox_grant(sandbox) -> str:
    return sandbox.state()["grants"][0]["grant_id"]


def _read(tenant, family):
    with xero_client(tenant) as client:
        if family == "contacts":
            client.get_contacts(page=1)
        else:
            client.get_accounts()


def _write(tenant, family):
    with xero_client(tenant) as client:
        if family == "contacts":
            client.create_contacts([Contact(name="Refused Pty Ltd")], idempotency_key="bms-health-test-1")
        else:
            client.create_tracking_options("00000000-0000-0000-0000-000000000000", __import__(
                "bms.xero.client.schemas", fromlist=["TrackingOption"]).TrackingOption(name="X"),
                idempotency_key="bms-health-test-2")


def _refuse(sandbox, tenant, kind, *, reads):
    """Make Xero answer each class of refusal, as it would (the sandbox's control API)."""
    if kind == RefusalKind.GRANT:
        sandbox.revoke_grant(_sandbox_grant(sandbox))
    elif kind == RefusalKind.SCOPE:
        sandbox.remove_scopes(_sandbox_grant(sandbox), "accounting.contacts")
    elif kind == RefusalKind.TENANT:
        sandbox.disconnect_tenant(tenant.xero_tenant_id)
    else:
        sandbox.control("POST", f"tenants/{tenant.xero_tenant_id}/roles", deny=["contacts"], reads=reads)


def _pending_links(tenant):
    customer = f.customer(code="C-PARK", name="Parked Customer Pty Ltd")
    contact = ContactLink.objects.create(tenant=tenant, customer=customer)
    invoice = _released(tenant_entity(tenant), [customer], 1)[0]
    return contact, InvoiceLink.objects.create(tenant=tenant, invoice=invoice)


def tenant_entity(tenant):
    from bms.xero.selectors import entities_for_tenant

    return entities_for_tenant(tenant)[0]


# What each refusal parks: everything, or (a scope or a role refusal of contacts) the contacts only.
PARKS_INVOICES = {RefusalKind.GRANT: True, RefusalKind.SCOPE: False, RefusalKind.TENANT: True,
                  RefusalKind.PERMISSION: False}


@pytest.mark.parametrize("call", ["read", "write"])
@pytest.mark.parametrize("kind", list(RefusalKind))
def test_each_refusal_from_a_read_or_a_write_opens_one_incident_parks_what_it_blocks_and_mails_once(
    connected, sandbox, au_entity, admin_user, kind, call
):
    admin_user.email = "finance.admin@example.com"  # the admin who authenticated: the default recipient
    admin_user.save()
    contact, invoice = _pending_links(connected)
    _refuse(sandbox, connected, kind, reads=call == "read")
    attempt = _read if call == "read" else _write

    for _ in range(2):  # two refused calls: one incident, one e-mail
        with pytest.raises(AuthError) as refused:
            attempt(connected, "contacts")
        assert refused.value.refusal.kind == kind

    incident = XeroIncident.objects.get()
    assert incident.kind == IncidentKind(kind.value) and incident.is_open
    assert incident.family == ("contacts" if kind in (RefusalKind.SCOPE, RefusalKind.PERMISSION) else "")
    contact.refresh_from_db()
    invoice.refresh_from_db()
    assert contact.status == LinkStatus.PARKED and contact.last_error.startswith("Waiting: ")
    assert invoice.status == (LinkStatus.PARKED if PARKS_INVOICES[kind] else LinkStatus.PENDING)
    grant = XeroGrant.objects.get()
    assert (grant.status == GrantStatus.NEEDS_REAUTH) == (kind == RefusalKind.GRANT)
    connected.refresh_from_db()
    assert bool(connected.auth_problem) == (kind == RefusalKind.TENANT)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["finance.admin@example.com"]
    assert au_entity.name in mail.outbox[0].subject


def test_a_read_in_a_sync_job_parks_the_work_marks_the_job_and_shows_on_every_screen(
    admin_client, connected, sandbox, au_entity
):
    _contact, link = _pending_links(connected)
    sandbox.revoke_grant(_sandbox_grant(sandbox))
    job = job_enqueue(kind="xero.chart.sync", description="Sync accounts", params={"tenant_id": connected.pk})
    job.refresh_from_db()

    # The job read the chart (a read), was refused, and says so: not a plain success.
    assert job.error_count == 1 and job.result.startswith("Parked: Acme Distribution (Xero AU)")
    link.refresh_from_db()
    assert link.status == LinkStatus.PARKED
    # Every page shows the banner to an admin, naming the entity and the organisation, with the fix.
    page = admin_client.get(reverse("billing:invoice_list")).content.decode()
    assert "Needs re-authentication" in page and au_entity.name in page and "Acme Distribution (Xero AU)" in page
    assert reverse("xero:authenticate", args=[au_entity.pk]) in page
    # The Entities grid, the entity's panel and the invoice's panel say why.
    assert "Needs re-authentication" in admin_client.get(reverse("entities:entity_list")).content.decode()
    invoice_page = admin_client.get(reverse("billing:invoice_detail", args=[link.invoice_id])).content.decode()
    assert "Waiting — Needs re-authentication" in invoice_page and "revoked or expired" in invoice_page
    lines = "\n".join(xero_status_lines())
    assert "Needs re-authentication: 2 records parked" in lines and "Authenticate with Xero" in lines


def test_re_authenticating_closes_the_incident_and_the_parked_invoices_land_exactly_once(
    admin_client, connected, sandbox, au_entity
):
    customers = [f.customer(code="C0001", name="Bright Tools Pty Ltd")]
    invoices = _released(au_entity, customers, 3)
    sandbox.revoke_grant(_sandbox_grant(sandbox))
    job_enqueue(kind="xero.invoices.push", description="Push", params={"tenant_id": connected.pk})
    # Refused at the run's first call: nothing was sent; what exists of the invoices' sync state is
    # parked, and each invoice's panel says why it waits.
    assert set(InvoiceLink.objects.values_list("status", flat=True)) <= {LinkStatus.PARKED}
    assert _xero_invoices(sandbox, connected) == []
    panel = admin_client.get(reverse("billing:invoice_detail", args=[invoices[0].pk])).content.decode()
    assert "Waiting — Needs re-authentication" in panel

    authenticate(admin_client, au_entity)  # the sandbox mints a new grant: a fresh consent

    assert not XeroIncident.objects.filter(closed_at__isnull=True).exists()
    assert XeroIncident.objects.get().closed_by.startswith("re-authenticated by")
    held = _xero_invoices(sandbox, connected)
    assert sorted(i["InvoiceNumber"] for i in held) == sorted(i.display_number for i in invoices)  # once each
    for invoice in invoices:
        invoice.refresh_from_db()
        mine = next(i for i in held if i["InvoiceNumber"] == invoice.display_number)
        assert Decimal(str(mine["Total"])) == invoice.total_amount and mine["Status"] == "AUTHORISED"
    assert set(InvoiceLink.objects.values_list("status", flat=True)) == {LinkStatus.SYNCED}
    assert "Needs re-authentication" not in admin_client.get(reverse("billing:invoice_list")).content.decode()
    assert Job.objects.filter(description__contains="resumed after re-authentication").exists()


def test_a_xero_user_not_permitted_to_post_journals_holds_only_the_journals_until_try_again(
    admin_client, connected, sandbox, au_entity
):
    journal_chart()
    journal = _journal(au_entity, date(2026, 4, 23))
    customers = [f.customer(code="C0001", name="Bright Tools Pty Ltd")]
    invoices = _released(au_entity, customers, 2)
    sandbox.deny_role(connected.xero_tenant_id, "manualjournals")

    job_enqueue(kind="xero.journals.push", description="Push journals", params={"tenant_id": connected.pk})
    job_enqueue(kind="xero.invoices.push", description="Push invoices", params={"tenant_id": connected.pk})

    incident = XeroIncident.objects.get()
    assert incident.kind == IncidentKind.PERMISSION and incident.family == "manualjournals"
    assert "reporting role" in incident.detail
    assert JournalLink.objects.get(journal=journal).status == LinkStatus.PARKED
    assert XeroGrant.objects.get().status == GrantStatus.ACTIVE  # not a dead grant
    assert len(_xero_invoices(sandbox, connected)) == len(invoices)  # everything else went
    assert _xero_journals(sandbox, connected) == []
    page = admin_client.get(reverse("entities:entity_list")).content.decode()
    assert "Xero user not permitted" in page and "Standard + All Reports or Adviser" in page

    sandbox.deny_role(connected.xero_tenant_id)  # a Xero admin gives the role back
    admin_client.post(reverse("xero:incident_retry", args=[incident.pk]))

    assert len(_xero_journals(sandbox, connected)) == 1
    assert JournalLink.objects.get(journal=journal).status == LinkStatus.SYNCED
    assert not XeroIncident.objects.filter(closed_at__isnull=True).exists()
    # Pressed again: nothing to retry, nothing sent twice.
    admin_client.post(reverse("xero:incident_retry", args=[incident.pk]))
    assert len(_xero_journals(sandbox, connected)) == 1


def test_a_missing_scope_for_journals_waits_for_re_authentication_which_asks_it_again(
    admin_client, connected, sandbox, au_entity
):
    journal_chart()
    journal = _journal(au_entity, date(2026, 4, 23))
    sandbox.remove_scopes(_sandbox_grant(sandbox), "accounting.manualjournals")
    job_enqueue(kind="xero.journals.push", description="Push journals", params={"tenant_id": connected.pk})
    incident = XeroIncident.objects.get()
    assert incident.kind == IncidentKind.SCOPE and incident.family == "manualjournals"
    assert JournalLink.objects.get(journal=journal).status == LinkStatus.PARKED

    authenticate(admin_client, au_entity)

    assert len(_xero_journals(sandbox, connected)) == 1
    assert JournalLink.objects.get(journal=journal).status == LinkStatus.SYNCED


def test_a_disconnected_organisation_waits_for_reconnecting_and_the_banner_says_reconnect(
    admin_client, connected, sandbox, au_entity
):
    invoices = _released(au_entity, [f.customer(code="C0001", name="Bright Tools Pty Ltd")], 1)
    sandbox.disconnect_tenant(connected.xero_tenant_id)
    job_enqueue(kind="xero.invoices.push", description="Push invoices", params={"tenant_id": connected.pk})
    assert XeroIncident.objects.get().kind == IncidentKind.TENANT
    page = admin_client.get(reverse("billing:invoice_list")).content.decode()
    assert "Organisation disconnected" in page and "ticks Acme Distribution (Xero AU) to reconnect" in page

    authenticate(admin_client, au_entity)  # auto-consent ticks every organisation: reconnected

    assert XeroTenant.objects.get(pk=connected.pk).auth_problem == ""
    assert [i["InvoiceNumber"] for i in _xero_invoices(sandbox, connected)] == [invoices[0].display_number]


def test_the_day_limit_shows_a_banner_with_the_time_in_the_entitys_zone(admin_client, connected, sandbox, au_entity):
    sandbox.configure(day_limit=1)
    sandbox.clear_log()
    with pytest.raises(Exception):  # noqa: B017  (the run gives up and waits: WaitForXeroError or 429)
        for _ in range(3):
            _read(connected, "accounts")
    connected.refresh_from_db()
    assert connected.waiting_reason == "day" and connected.waiting_until is not None
    page = admin_client.get(reverse("billing:invoice_list")).content.decode()
    local = connected.waiting_until.astimezone(__import__("zoneinfo").ZoneInfo(au_entity.time_zone))
    assert f"waiting until {local:%H:%M}, {au_entity.time_zone}" in page


@pytest.mark.parametrize("kind", [RefusalKind.GRANT, RefusalKind.PERMISSION])
def test_payments_entered_before_connecting_wait_with_the_rest_or_alone_when_only_payments_are_refused(
    connected, sandbox, kind
):
    from bms.billing.services.payments import payment_record
    from bms.xero.models import PaymentSendLink

    _contact, invoice = _pending_links(connected)
    payment = payment_record(invoice=invoice.invoice, amount=Decimal("10.00"), paid_on=date(2026, 4, 20),
                             reference="EFT")
    send = PaymentSendLink.objects.create(tenant=connected, payment=payment)
    if kind == RefusalKind.GRANT:
        sandbox.revoke_grant(_sandbox_grant(sandbox))
    else:
        sandbox.control("POST", f"tenants/{connected.xero_tenant_id}/roles", deny=["payments"], reads=True)

    with pytest.raises(AuthError), xero_client(connected) as client:
        client.get_payments(page=1)

    incident = XeroIncident.objects.get()
    assert incident.family == ("payments" if kind == RefusalKind.PERMISSION else "")
    send.refresh_from_db()
    invoice.refresh_from_db()
    assert send.status == LinkStatus.PARKED and send.last_error.startswith("Waiting: ")
    # A role refusal of payments holds the payments only; a dead grant holds everything.
    assert invoice.status == (LinkStatus.PARKED if kind == RefusalKind.GRANT else LinkStatus.PENDING)
    parked = "3 records parked" if kind == RefusalKind.GRANT else "1 record parked"
    assert parked in "\n".join(xero_status_lines())
