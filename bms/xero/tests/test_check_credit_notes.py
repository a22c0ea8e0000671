"""Check against Xero covers credit notes (issue 19): each is previewed with the credit notes push's
own pre-send checks (services/credit_notes.py), against the sandbox over HTTP, writing nothing to
Xero and changing no link row — one that would go is ready, one the push would hold is held with
the push's own message, cause and fix."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from bms.testing import factories as f
from bms.xero.models import CreditNoteLink, LinkStatus
from bms.xero.services.check_against_xero import check_against_xero
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import connect
from bms.xero.tests.test_check_against_xero import _writes
from bms.xero.tests.test_credit_notes_push import part_return, push_all, worked_invoice

pytestmark = pytest.mark.django_db


def _check(tenant, entity, kinds=("credit_notes",)):
    return check_against_xero(tenant=tenant, entities=[entity], log=CollectingLog(), kinds=kinds)


def _link_rows():
    return list(CreditNoteLink.objects.order_by("pk").values())


def test_a_credit_note_that_would_go_is_ready_and_one_blocked_by_the_lock_date_is_held_as_the_push_holds_it(
        connected, sandbox, au_entity):
    invoice = worked_invoice(au_entity, f.customer())
    push_all(connected, invoices=[invoice])
    locked, ready = part_return(invoice, day=date(2026, 4, 21)), part_return(invoice, day=date(2026, 4, 25))
    sandbox.set_lock_date(connected.xero_tenant_id, "2026-04-22")
    sandbox.clear_log()
    before = _link_rows()

    report = _check(connected, au_entity)

    assert _writes(sandbox, connected) == [] and _link_rows() == before
    assert [(kind.kind, kind.counts) for kind in report.kinds] == [("credit_note", {"send": 1, "hold": 1})]
    [held] = report.causes
    assert (held.cause, held.counts) == ("blocked by lock date 22/04/2026", {"credit_note": 1})
    assert held.records == [{"label": f"Credit note {locked.display_number}",
                             "url": reverse("billing:credit_note_detail", args=[locked.pk])}]
    # The push then does what the check said, with the same cause.
    outcome, _ = push_all(connected, credit_notes=[locked, ready])
    assert (outcome.created, outcome.failed) == (1, 1)
    assert CreditNoteLink.objects.get(credit_note=locked).error_cause == held.cause
    assert CreditNoteLink.objects.get(credit_note=ready).status == LinkStatus.SYNCED


def test_an_archived_tracking_option_holds_credit_notes_with_invoices_on_one_read_of_the_categories(
        admin_client, connected, sandbox, au_entity):
    from bms.xero.tests.test_tracking import _choose

    invoice = worked_invoice(au_entity, f.customer())
    push_all(connected, invoices=[invoice])
    _choose(admin_client, au_entity, connected, Region="Melbourne", Division="Parts")
    part_return(invoice)
    sandbox.set_tracking(connected.xero_tenant_id, "Region", "Melbourne", status="ARCHIVED")
    sandbox.clear_log()

    report = _check(connected, au_entity, kinds=("invoices", "credit_notes"))

    [held] = report.causes
    assert (held.cause, held.counts) == ("tracking option Region: Melbourne archived in Xero", {"credit_note": 1})
    assert (held.fix_label, held.fix_url) == ("Open Tracking", reverse("xero:tracking"))
    calls = [entry["path"].rsplit("/", 1)[-1] for entry in sandbox.log(connected.xero_tenant_id)]
    assert calls.count("TrackingCategories") == 1 and _writes(sandbox, connected) == []


def test_an_untaxed_line_without_a_zero_rate_is_held_with_its_fix_and_history_is_counted_apart(
        admin_client, connected, sandbox, au_entity):
    from decimal import Decimal

    from bms.billing.services import InvoiceLineData, invoice_approve, invoice_create
    from bms.xero.models import XeroTenant

    connect(admin_client, au_entity, connected, go_live_on="2026-04-01")
    customer = f.customer()
    history = part_return(worked_invoice(au_entity, customer, day=date(2026, 3, 20)), day=date(2026, 4, 5))
    untaxed_invoice = invoice_approve(invoice=invoice_create(
        entity=au_entity, customer=customer, issued_on=date(2026, 4, 20), currency="AUD",
        lines=[InvoiceLineData("Drill bit set", Decimal("10"), Decimal("12.345"), f.account("41110"), None),
               InvoiceLineData("Safety glasses", Decimal("7"), Decimal("19.99"), f.account("41110"), None),
               InvoiceLineData("Lathe", Decimal("3"), Decimal("250.00"), f.account("41110"), None)]))
    push_all(connected, invoices=[untaxed_invoice])
    XeroTenant.objects.filter(pk=connected.pk).update(zero_rate_tax_type="")
    untaxed = part_return(untaxed_invoice)
    sandbox.clear_log()

    report = _check(connected, au_entity)

    assert report.summary() == ("2 records checked: 0 ready, 1 would be held, 0 would wait, "
                                "1 before go-live (not sent)")
    [held] = report.causes
    assert "no zero-rate tax type is chosen" in held.message
    assert held.records == [{"label": f"Credit note {untaxed.display_number}",
                             "url": reverse("billing:credit_note_detail", args=[untaxed.pk])}]
    assert (held.fix_label, held.fix_url) == ("Open Connect Xero Organisation",
                                              reverse("xero:connect_tenant", args=[au_entity.pk]))
    assert _writes(sandbox, connected) == [] and not CreditNoteLink.objects.filter(credit_note=history).exists()


def test_bms_sync_credit_notes_dry_run_prints_the_report(connected, sandbox, au_entity):
    invoice = worked_invoice(au_entity, f.customer())
    push_all(connected, invoices=[invoice])
    part_return(invoice, day=date(2026, 4, 21))
    part_return(invoice, day=date(2026, 4, 25))
    sandbox.set_lock_date(connected.xero_tenant_id, "2026-04-22")
    out = StringIO()
    with pytest.raises(CommandError, match="1 record would be held"):
        call_command("sync", "credit_notes", "--entity", "AU", "--dry-run", stdout=out)
    assert "2 credit notes: 1 would be sent, 1 would be held" in out.getvalue()
    assert "held — blocked by lock date 22/04/2026 (1 credit note):" in out.getvalue()
    json_out = StringIO()
    sandbox.set_lock_date(connected.xero_tenant_id, None)
    call_command("sync", "credit_notes", "--entity", "AU", "--dry-run", "--json", stdout=json_out)
    [report] = json.loads(json_out.getvalue())
    assert report["kinds"] == [{"kind": "credit_note", "counts": {"send": 2}}]
