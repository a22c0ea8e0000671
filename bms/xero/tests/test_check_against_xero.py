"""Check against Xero (issue #16 item 6): every pre-send check for every record a push would send,
against the sandbox over HTTP, writing nothing to Xero and changing no link row."""

from datetime import date

import pytest
from django.urls import reverse

from bms.testing import factories as f
from bms.testing.journals import journal_chart
from bms.xero.client.errors import ReadOnlyError
from bms.xero.client.schemas import Contact
from bms.xero.models import ContactLink, InvoiceLink, JournalLink, LinkStatus, XeroCheck
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
