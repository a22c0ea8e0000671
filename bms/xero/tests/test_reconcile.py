"""Admin → Reconciliation's engine (issue #15 item 7) against the sandbox over HTTP: BMS beside Xero
for invoices, contacts and journals, every difference planted in Xero found once under its cause,
paged reads only, an incremental pass with If-Modified-Since, and runs that never stay Running."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from bms.xero.models import ContactLink, InvoiceLink, JournalLink, TenantLease
from bms.xero.reconcile.models import ReconciliationRun, RunStatus
from bms.xero.reconcile.run import reconciliation_run
from bms.xero.sync.leases import LeaseBusyError, LeaseKind
from bms.xero.sync.log import CollectingLog

pytestmark = pytest.mark.django_db
APRIL = (date(2026, 4, 1), date(2026, 4, 30))


def _run(tenant, *, full=True, window=APRIL):
    return reconciliation_run(tenant=tenant, date_from=window[0], date_to=window[1], full=full, log=CollectingLog())


def _plant(sandbox, tenant, collection, action, ref, **fields):
    return sandbox.plant(tenant.xero_tenant_id, collection, action, ref, **fields)


def _xero_invoice(sandbox, tenant, number):
    return next(i for i in sandbox.state()["orgs"][tenant.xero_tenant_id]["invoices"] if i["InvoiceNumber"] == number)


def test_books_that_agree_show_no_disagreement_and_cost_one_paged_read_per_kind(connected, sandbox, books):
    run = _run(connected)
    assert run.status == RunStatus.COMPLETED and run.cause_counts == {}
    assert run.counts["invoice"] == {"compared": 10, "agree": 10, "differ": 0, "only_bms": 0, "only_xero": 0}
    assert run.counts["contact"]["agree"] == 2 and run.counts["journal"]["agree"] == 3
    calls = [(e["method"], e["path"]) for e in sandbox.log(connected.xero_tenant_id)]
    # One page per kind, no per-record GET (the organisation may be read first, for its lock dates).
    listed = [path for method, path in calls if path.rstrip("/").split("/")[-1] != "Organisation"]
    assert sorted(p.split("/")[-1].split("?")[0] for p in listed) == ["Contacts", "CreditNotes", "Invoices",
                                                                     "ManualJournals"]
    assert run.calls == 4


def test_every_planted_difference_is_found_once_under_its_cause(connected, sandbox, books):
    numbers = [i.display_number for i in books["invoices"]]
    first = _xero_invoice(sandbox, connected, numbers[0])
    _plant(sandbox, connected, "invoices", "change", numbers[0], Total=str(Decimal(first["Total"]) + 10),
           SubTotal=str(Decimal(first["SubTotal"]) + 10), AmountDue=str(Decimal(first["AmountDue"]) + 10))
    second = _xero_invoice(sandbox, connected, numbers[1])
    _plant(sandbox, connected, "invoices", "change", numbers[1], TotalTax=str(Decimal(second["TotalTax"]) + 1),
           Total=str(Decimal(second["Total"]) + 1))
    _plant(sandbox, connected, "invoices", "change", numbers[2], Status="VOIDED")
    _plant(sandbox, connected, "invoices", "change", numbers[3], AmountDue="0.00", Status="PAID")
    _plant(sandbox, connected, "invoices", "remove", numbers[4])
    _plant(sandbox, connected, "invoices", "copy", numbers[5], InvoiceNumber="AU-999999")
    _plant(sandbox, connected, "contacts", "change", "C0001", EmailAddress="someone@else.example")
    _plant(sandbox, connected, "contacts", "change", "C0002", ContactStatus="ARCHIVED")
    journals = books["journals"]
    _plant(sandbox, connected, "journals", "change", journals[0].reference,
           JournalLines=[{"LineAmount": "10.00", "AccountCode": "51100"}, {"LineAmount": "-10.00",
                                                                           "AccountCode": "13100"}])
    _plant(sandbox, connected, "journals", "change", journals[1].reference, Status="VOIDED")

    run = _run(connected)

    assert run.cause_counts == {"totals": 1, "tax": 1, "status": 2, "amount_due": 1, "missing_in_xero": 1,
                                "missing_in_bms": 1, "contact_fields": 1, "contact_archived": 1,
                                "journal_accounts": 1}
    rows = {(row.kind, row.cause): row for row in run.rows.all()}
    assert rows[("invoice", "totals")].label == numbers[0]
    assert rows[("invoice", "missing_in_xero")].verdict == "only_bms"
    assert rows[("invoice", "missing_in_bms")].label == "AU-999999"
    assert rows[("contact", "contact_fields")].xero_value == "email: someone@else.example"
    assert rows[("journal", "status")].label == journals[1].reference
    assert run.counts["invoice"] == {"compared": 10, "agree": 5, "differ": 4, "only_bms": 1, "only_xero": 1}
    # What Xero holds is kept on the link, so the panel's Cancel in BMS / Accept see the void.
    assert InvoiceLink.objects.get(invoice=books["invoices"][2]).xero_status == "VOIDED"


def test_an_incremental_pass_rereads_only_what_xero_changed_and_keeps_the_other_verdicts(connected, sandbox,
                                                                                         books):
    numbers = [i.display_number for i in books["invoices"]]
    _plant(sandbox, connected, "invoices", "remove", numbers[0])
    _plant(sandbox, connected, "invoices", "change", numbers[1], Status="VOIDED")
    assert _run(connected).cause_counts == {"missing_in_xero": 1, "status": 1}
    sandbox.advance_clock(120)
    _plant(sandbox, connected, "invoices", "change", numbers[1], Status="AUTHORISED")  # put right in Xero
    sandbox.clear_log()

    run = _run(connected, full=False)

    assert not run.is_full
    # The removed invoice is not in an incremental read: its verdict is carried until the full pass.
    assert run.cause_counts == {"missing_in_xero": 1}
    entries = sandbox.log(connected.xero_tenant_id)
    invoices_read = [e for e in entries if "/Invoices" in e["path"]]
    assert len(invoices_read) == 1


def test_a_run_whose_worker_died_is_closed_as_failed_by_the_next_one(connected, books):
    long_ago = timezone.now() - timedelta(hours=1)
    dead = ReconciliationRun.objects.create(tenant=connected, date_from=APRIL[0], date_to=APRIL[1],
                                            started_at=long_ago, heartbeat_at=long_ago)
    assert dead.is_abandoned(timezone.now())
    _run(connected)
    dead.refresh_from_db()
    assert dead.status == RunStatus.FAILED and "died" in dead.error


def test_a_second_run_for_the_same_organisation_waits_for_the_first(connected, books):
    TenantLease.objects.create(tenant=connected, kind=LeaseKind.RECONCILE, holder="another-worker:1:1",
                               expires_at=timezone.now() + timedelta(minutes=1))
    with pytest.raises(LeaseBusyError):
        _run(connected)
    assert ReconciliationRun.objects.get().status == RunStatus.FAILED


def test_bms_reconcile_prints_json_with_the_counts_per_cause(connected, sandbox, books, au_entity, capsys):
    _plant(sandbox, connected, "contacts", "change", "C0001", Name="Bright Tools (old)")
    call_command("reconcile", "--entity", "AU", "--from", "2026-04-01", "--to", "2026-04-30", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["causes"] == {"contact_fields": 1}
    assert report["rows"][0]["record"] == "C0001 Bright Tools Pty Ltd"
    assert ContactLink.objects.count() == 2 and JournalLink.objects.count() == 3
