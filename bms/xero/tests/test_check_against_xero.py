"""Check against Xero (issue #16 item 6): every pre-send check for every record a push would send,
against the sandbox over HTTP, writing nothing to Xero and changing no link row."""

from datetime import date

import pytest
from django.urls import reverse

from bms.testing import factories as f
from bms.testing.journals import journal_chart
from bms.xero.client.errors import ReadOnlyError
from bms.xero.client.schemas import Contact
from bms.xero.models import ContactLink, EntityXeroConnection, InvoiceLink, JournalLink, LinkStatus, XeroCheck
from bms.xero.services.check_against_xero import check_against_xero
from bms.xero.services.invoices import InvoicePush, invoices_push
from bms.xero.sync.log import CollectingLog
from bms.xero.sync.push import Fix, Verdict
from bms.xero.sync.tenant_client import accounting_client
from bms.xero.tests.conftest import xero_client
from bms.xero.tests.test_invoices import _released
from bms.xero.tests.test_journals import _journal

pytestmark = pytest.mark.django_db


def _writes(sandbox, tenant):
    return [e for e in sandbox.log(tenant.xero_tenant_id) if e["method"] not in ("GET", "HEAD")]


def _link_rows():
    return [list(model.objects.order_by("pk").values()) for model in (ContactLink, InvoiceLink, JournalLink)]


def _check(tenant, entity, **options):
    log = CollectingLog()
    return check_against_xero(tenant=tenant, entities=[entity], log=log, **options), log


def test_it_reports_what_a_push_would_hold_grouped_by_cause_and_writes_nothing(connected, sandbox, au_entity):
    customers = [f.customer(code=f"C{n:04d}", name=f"Customer {n}") for n in range(3)]
    _released(au_entity, customers, 4)
    _released(au_entity, customers[:1], 2, code="41900")  # archived in Xero
    sandbox.clear_log()
    before = _link_rows()

    report, log = _check(connected, au_entity)

    assert _writes(sandbox, connected) == []
    assert _link_rows() == before
    counts = {kind.kind: kind.counts for kind in report.kinds}
    assert counts["contact"] == {"send": 3}
    assert counts["invoice"] == {"send": 4, "hold": 2}
    [held] = report.causes
    assert held.cause == "account 41900 (Hardware Sale - Legacy Range) is archived in Xero"
    assert held.counts == {"invoice": 2} and len(held.records) == 2
    assert (held.fix_label, held.fix_url) == ("Open Accounts", reverse("ledger:account_list"))
    assert "Fix the account or tax rate" in held.message
    assert [cause for level, _, cause, _ in log.lines if level == "error"] == [held.cause] * 2
    kept = XeroCheck.objects.get()
    assert kept.entity == au_entity and kept.report["causes"][0]["cause"] == held.cause


def test_the_push_then_does_what_the_check_said(connected, sandbox, au_entity):
    customers = [f.customer()]
    invoices = _released(au_entity, customers, 2) + _released(au_entity, customers, 1, code="41900")
    report, _ = _check(connected, au_entity)
    with xero_client(connected) as client:
        outcome = invoices_push(tenant=connected, invoices=invoices, client=client, log=CollectingLog())
    assert (outcome.created, outcome.failed) == (2, 1)
    held = InvoiceLink.objects.get(status=LinkStatus.FAILED)
    assert held.error_cause == report.causes[0].cause


def test_a_check_added_to_the_adapter_shows_up_in_the_check_against_xero(connected, sandbox, au_entity,
                                                                         monkeypatch):
    """The check calls the adapter's own pre-send checks, so one added there (go-live, tracking,
    currency…) is in the report with no change to Check against Xero."""
    _released(au_entity, [f.customer()], 2)
    original = InvoicePush.checks

    def with_one_more(self):
        def check_reference(record, link):
            return Verdict.fail(f"Invoice {record.display_number} needs a reference.", "no reference",
                                fix=Fix("Open the invoice", "/billing/invoices/"))
        return (*original(self), check_reference)

    monkeypatch.setattr(InvoicePush, "checks", with_one_more)
    report, _ = _check(connected, au_entity)
    [group] = report.causes
    assert (group.cause, group.counts, group.fix_label) == ("no reference", {"invoice": 2}, "Open the invoice")


def test_invoices_of_customers_xero_lacks_are_checked_as_if_the_customer_went_first(connected, sandbox,
                                                                                    au_entity):
    """A push sends a missing customer before its invoices; the check judges the invoices, not
    "waiting for the customer" (which a first push never shows)."""
    _released(au_entity, [f.customer()], 1)
    report, _ = _check(connected, au_entity, kinds=("invoices",))
    assert [kind.counts for kind in report.kinds] == [{"send": 1}]
    assert not ContactLink.objects.exists()


def test_an_invoice_whose_customer_would_be_refused_is_held_on_its_customer(connected, sandbox, au_entity):
    customer = f.customer(code="C0009", name="Twice Numbered Pty Ltd")
    with xero_client(connected) as client:  # the customer's name is taken by another customer's contact
        client.create_contacts([Contact(name="Twice Numbered Pty Ltd", contact_number="C0777")],
                               idempotency_key="other-customer")
    _released(au_entity, [customer], 1)
    sandbox.clear_log()
    report, _ = _check(connected, au_entity)
    causes = {group.cause: group for group in report.causes}
    assert any("with contact code C0777" in cause for cause in causes)
    on_customer = causes["customer C0009 not synced"]
    assert on_customer.counts == {"invoice": 1}
    assert on_customer.fix_url == reverse("billing:customer_detail", args=[customer.pk])
    assert _writes(sandbox, connected) == []


def test_it_holds_what_is_dated_on_or_before_the_lock_date_read_fresh_from_xero(connected, sandbox, au_entity):
    journal_chart()
    _journal(au_entity, date(2026, 4, 23))
    _released(au_entity, [f.customer()], 1)  # dated 23/04/2026
    sandbox.set_lock_date(connected.xero_tenant_id, "2026-04-30")  # after the organisation was last read
    report, _ = _check(connected, au_entity)
    [locked] = report.causes
    assert locked.cause == "blocked by lock date 30/04/2026"
    assert locked.counts == {"invoice": 1, "journal": 1} and locked.fix_url == ""


def test_a_read_only_client_refuses_a_write_before_sending_it(connected, sandbox):
    sandbox.clear_log()
    with accounting_client(connected, read_only=True) as client, pytest.raises(ReadOnlyError):
        client.create_contacts([Contact(name="Never Sent")], idempotency_key="never-sent")
    assert sandbox.log(connected.xero_tenant_id) == []


def test_its_reads_grow_with_look_up_batches_not_with_records(connected, sandbox, au_entity):
    """120 invoices of 60 new customers: the reference data is read once and the customers are
    looked up 25 at a time (by contact code, then by name) — never one call per record."""
    customers = [f.customer(code=f"C{n:04d}", name=f"Customer {n}") for n in range(60)]
    _released(au_entity, customers, 120)
    sandbox.clear_log()
    report, _ = _check(connected, au_entity)
    assert report.summary() == "180 records checked: 180 ready, 0 would be held, 0 would wait"
    calls = [entry["path"].rsplit("/", 1)[-1] for entry in sandbox.log(connected.xero_tenant_id)]
    assert calls.count("Contacts") == 6  # ⌈60 / 25⌉ by contact code, as many by name
    assert all(calls.count(path) == 1 for path in set(calls) - {"Contacts"})  # Organisation, Accounts, TaxRates…
    assert len(calls) <= 12


def test_an_organisations_check_covers_its_inheriting_branches_and_not_another_organisation(
    connected, sandbox, au_entity
):
    from bms.entities.models import EntityKind
    from bms.xero.services.check_against_xero import entities_in_scope

    branch = f.entity("AUB", name="Acme Brisbane", kind=EntityKind.BRANCH, organisation=au_entity)
    other = f.entity("AU2", name="Other Pty Ltd")
    EntityXeroConnection.objects.create(entity=other, tenant=connected)  # another entity, same organisation
    assert [e.code for e in entities_in_scope(au_entity, connected)] in (["AU", "AUB"], ["AUB", "AU"])
    assert other not in entities_in_scope(au_entity, connected)
    _released(branch, [f.customer()], 1)
    _released(other, [f.customer(code="C0002")], 1)  # the same organisation's, but not AU's: not in AU's check
    report = check_against_xero(tenant=connected, entities=entities_in_scope(au_entity, connected),
                                log=CollectingLog(), kinds=("invoices",))
    assert [kind.counts for kind in report.kinds] == [{"send": 1}]


def test_going_live_the_check_counts_history_apart_and_holds_untaxed_lines_without_a_zero_rate(
    admin_client, connected, sandbox, au_entity
):
    """The go-live checks (services/go_live.py) are the adapters' own: the check reports them with
    no change of its own — history before go-live not sent, an untaxed line held with its fix."""
    from decimal import Decimal

    from bms.billing.services import InvoiceLineData, invoice_approve, invoice_create
    from bms.xero.models import XeroTenant
    from bms.xero.tests.conftest import connect

    connect(admin_client, au_entity, connected, go_live_on="2026-05-01")
    XeroTenant.objects.filter(pk=connected.pk).update(zero_rate_tax_type="")
    revenue, customer = f.account("41110"), f.customer()

    def invoice(day, tax_rate):
        line = InvoiceLineData("Service", Decimal("1"), Decimal("100"), revenue, tax_rate)
        return invoice_approve(invoice=invoice_create(entity=au_entity, customer=customer, issued_on=day,
                                                      lines=[line], currency="AUD"))

    invoice(date(2026, 4, 30), f.tax_rate())  # history
    untaxed = invoice(date(2026, 5, 1), None)
    invoice(date(2026, 5, 2), f.tax_rate())
    sandbox.clear_log()
    report, _ = _check(connected, au_entity, kinds=("invoices",))
    assert report.summary() == ("3 records checked: 1 ready, 1 would be held, 0 would wait, "
                                "1 before go-live (not sent)")
    [held] = report.causes
    assert "no zero-rate tax type is chosen" in held.message
    assert held.records == [{"label": f"Invoice {untaxed.display_number}",
                             "url": reverse("billing:invoice_detail", args=[untaxed.pk])}]
    assert (held.fix_label, held.fix_url) == ("Open Connect Xero Organisation",
                                              reverse("xero:connect_tenant", args=[au_entity.pk]))
    assert _writes(sandbox, connected) == [] and not InvoiceLink.objects.exists()


def test_a_contact_archived_in_xero_since_its_last_read_holds_its_invoices_in_the_check(connected, sandbox,
                                                                                        au_entity):
    """The contact's status is read from Xero by the check itself (not the last stored read), and
    neither it nor anything else is stored: the next push still reads and stores it."""
    from bms.xero.services.contact_checks import ARCHIVED_CAUSE
    from bms.xero.tests.test_invoices import _push

    customer = f.customer(code="C0300", name="Archived Later Pty Ltd")
    _push(connected, _released(au_entity, [customer], 1))
    link = ContactLink.objects.get(customer=customer)
    sandbox.set_contact_status(connected.xero_tenant_id, link.xero_id, "ARCHIVED")  # within the trust window
    _released(au_entity, [customer], 2)
    sandbox.clear_log()
    before = _link_rows()
    report, _ = _check(connected, au_entity, kinds=("invoices",))
    [held] = report.causes
    assert (held.cause, held.counts) == (ARCHIVED_CAUSE, {"invoice": 2})
    assert "Unarchive in Xero or relink" in held.message
    assert held.fix_url == reverse("billing:customer_detail", args=[customer.pk])
    assert _link_rows() == before and _writes(sandbox, connected) == []


def test_a_merge_onto_another_customers_contact_is_reported_by_the_check_without_moving_anything(
    connected, sandbox, au_entity
):
    from bms.xero.services.contact_checks import MERGED_CAUSE
    from bms.xero.services.contacts import contacts_sync

    kept, merged = f.customer(code="C0305", name="Kept Pty Ltd"), f.customer(code="C0306", name="Merged Pty Ltd")
    with xero_client(connected) as client:
        contacts_sync(tenant=connected, customers=[kept, merged], client=client, log=CollectingLog())
    merged_link, kept_link = (ContactLink.objects.get(customer=c) for c in (merged, kept))
    sandbox.merge_contacts(connected.xero_tenant_id, merged_link.xero_id, into=kept_link.xero_id)
    _released(au_entity, [merged], 1)
    before = _link_rows()
    report, _ = _check(connected, au_entity, kinds=("invoices",))
    assert [(g.cause, g.counts) for g in report.causes] == [(MERGED_CAUSE, {"invoice": 1})]
    assert _link_rows() == before


def test_an_invoice_in_a_currency_the_organisation_lacks_is_held_and_the_currencies_are_not_kept(
    connected, sandbox, au_entity
):
    from decimal import Decimal

    from bms.billing.services import InvoiceLineData, invoice_approve, invoice_create
    from bms.xero.models import XeroTenant

    line = InvoiceLineData("Lathe", Decimal("1"), Decimal("100"), f.account("41110"), f.tax_rate())
    invoice_approve(invoice=invoice_create(entity=au_entity, customer=f.customer(), issued_on=date(2026, 5, 4),
                                           lines=[line], currency="JPY"))
    report, _ = _check(connected, au_entity, kinds=("invoices",))
    [held] = report.causes
    assert held.cause == "currency JPY not enabled in Xero" and held.counts == {"invoice": 1}
    assert XeroTenant.objects.get(pk=connected.pk).currencies == ""  # read for the check, kept nowhere


def test_an_archived_tracking_option_holds_the_entitys_invoices_and_journals_in_the_check(
    admin_client, connected, sandbox, au_entity
):
    """The tracking check (services/tracking_check.py) is the adapters' own; the check reads Xero's
    tracking categories once, with the organisation, for invoices and journals together."""
    from bms.xero.tests.test_tracking import _choose

    _choose(admin_client, au_entity, connected, Region="Melbourne", Division="Parts")
    journal_chart()
    _journal(au_entity, date(2026, 4, 23))
    _released(au_entity, [f.customer()], 2)
    sandbox.set_tracking(connected.xero_tenant_id, "Region", "Melbourne", status="ARCHIVED")
    sandbox.clear_log()
    report, _ = _check(connected, au_entity)
    [held] = report.causes
    assert held.cause == "tracking option Region: Melbourne archived in Xero"
    assert held.counts == {"invoice": 2, "journal": 1}
    assert (held.fix_label, held.fix_url) == ("Open Tracking", reverse("xero:tracking"))
    calls = [entry["path"].rsplit("/", 1)[-1] for entry in sandbox.log(connected.xero_tenant_id)]
    assert calls.count("TrackingCategories") == 1  # not again for the check, per record or per kind
    assert _writes(sandbox, connected) == []
