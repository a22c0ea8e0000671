"""Benchmark: reconcile one organisation holding 20,000 BMS-sent invoices, 2,000 contacts and 365
journals, with 50 differences planted in Xero (at least 5 of each kind), through the sandbox.

    .venv/bin/python bench/reconcile.py [--invoices 20000] [--contacts 2000] [--journals 365]

It starts its own sandbox (a separate process) with Xero's limits: 5 concurrent, 60 a minute,
5,000 a day. The books are built with the product's own code: invoices released in BMS, then sent
by the `xero.customers.sync`, `xero.invoices.push` and `xero.journals.push` jobs (with the minute
time-scaled to --seed-minute-s seconds, so building the books takes minutes, not hours). Then the
differences are planted through the sandbox's control API (/_sandbox/tenants/{id}/plant), the
sandbox's log is cleared, the minute goes back to a real 60 seconds, and one full reconciliation
runs, under Xero's real limits.

Figures, as the last line, one JSON object:
- records: records compared, both sides (BMS's links in range + what Xero returned);
- calls: every Accounting API call the sandbox saw during the run; paged_minimum: Σ over kinds of
  ⌈records Xero holds / 1000⌉ (1000 is the largest page Xero serves); bound: 1.1 × that + 10;
- per_record_gets: calls that read one record by its id (there must be none);
- differences_planted / differences_found, and per cause, planted and found: they must be equal.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

import httpx
from invoices_push import ROOT, _configure_django, _run_job, _start_sandbox

sys.path.insert(0, str(ROOT))
YEAR = (date(2026, 1, 1), date(2026, 12, 31))
GUID = re.compile(r"/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
PLANTED = {"totals": 7, "tax": 6, "status": 6, "amount_due": 6, "missing_in_xero": 7, "missing_in_bms": 6,
           "contact_fields": 6, "journal_accounts": 6}


def _seed(base: str, invoices: int, contacts: int, journals: int):
    from invoices_push import _seed as push_seed

    from bms.billing.services import InvoiceLineData, invoice_approve, invoice_create
    from bms.cogs.models import CostOfSalesJournal, JournalPosting
    from bms.customers.models import Customer
    from bms.ledger.models import Account, AccountClass, AccountType, TaxRate

    tenant, _ = push_seed(base, 0)
    entity = tenant.entities.get().entity
    revenue = Account.objects.get(code="41110")
    gst = TaxRate.objects.get(xero_tax_type="OUTPUT")
    customers = list(Customer.objects.order_by("pk"))
    customers += Customer.objects.bulk_create(Customer(code=f"D{n:04d}", name=f"Bench Debtor {n}")
                                              for n in range(len(customers), contacts))
    days = (YEAR[1] - YEAR[0]).days + 1
    print(f"releasing {invoices:,} invoices for {len(customers):,} customers…", file=sys.stderr)
    for n in range(invoices):
        invoice = invoice_create(
            entity=entity, customer=customers[n % len(customers)], issued_on=YEAR[0] + timedelta(days=n % days),
            currency="AUD", lines=[InvoiceLineData(f"Lathe {n}", Decimal(1 + n % 3), Decimal("100.3333"), revenue,
                                                   gst)])
        invoice_approve(invoice=invoice)
        if (n + 1) % 2000 == 0:
            print(f"  released {n + 1:,}", file=sys.stderr)
    cost = Account.objects.create(code="51110", name="Hardware Cost - Machine", account_class=AccountClass.EXPENSE,
                                  account_type=AccountType.DIRECTCOSTS)
    stock = Account.objects.create(code="14410", name="Stock on Hand", account_class=AccountClass.ASSET,
                                   account_type=AccountType.CURRENT)
    built = CostOfSalesJournal.objects.bulk_create(
        CostOfSalesJournal(entity=entity, journaled_on=YEAR[0] + timedelta(days=n), debit_amount=Decimal(100 + n),
                           credit_amount=Decimal(100 + n),
                           description=f"B2B Cost of Sales Journal for {YEAR[0] + timedelta(days=n):%d/%m/%Y}")
        for n in range(journals))
    JournalPosting.objects.bulk_create(JournalPosting(journal=j, cost_account=cost, stock_account=stock,
                                                      amount=j.debit_amount) for j in built)
    return tenant


def _send(tenant) -> None:
    for kind, label in (("xero.customers.sync", "customers"), ("xero.invoices.push", "invoices"),
                        ("xero.journals.push", "journals")):
        while True:
            seconds, _, job = _run_job(kind, {"tenant_id": tenant.pk})
            print(f"  {label}: {job.result} ({seconds:.0f} s)", file=sys.stderr)
            if "rest follows" not in job.result:
                break


def _plant(base: str, tenant) -> dict[str, int]:
    """PLANTED differences, each on its own record, spread over the year."""
    from bms.cogs.models import CostOfSalesJournal
    from bms.xero.models import ContactLink, InvoiceLink

    links = list(InvoiceLink.objects.filter(tenant=tenant).select_related("invoice__entity").order_by("pk"))
    step = len(links) // 40
    picks = iter(links[::step])
    url = f"{base}/_sandbox/tenants/{tenant.xero_tenant_id}/plant"

    def plant(collection: str, action: str, ref: str, **fields: object) -> None:
        httpx.post(url, json={"collection": collection, "action": action, "ref": ref, "fields": fields},
                   timeout=30).raise_for_status()

    for _ in range(PLANTED["totals"]):
        invoice = next(picks).invoice
        plant("invoices", "change", invoice.display_number, Total=str(invoice.total_amount + 10),
              SubTotal=str(invoice.subtotal_amount + 10), AmountDue=str(invoice.balance_amount + 10))
    for _ in range(PLANTED["tax"]):
        invoice = next(picks).invoice
        plant("invoices", "change", invoice.display_number, TotalTax=str(invoice.tax_amount + 1),
              Total=str(invoice.total_amount + 1))
    for _ in range(PLANTED["status"]):
        plant("invoices", "change", next(picks).invoice.display_number, Status="VOIDED")
    for _ in range(PLANTED["amount_due"]):
        plant("invoices", "change", next(picks).invoice.display_number, AmountDue="0.00", Status="PAID")
    for _ in range(PLANTED["missing_in_xero"]):
        plant("invoices", "remove", next(picks).invoice.display_number)
    for n in range(PLANTED["missing_in_bms"]):
        plant("invoices", "copy", next(picks).invoice.display_number, InvoiceNumber=f"AU-9{n:06d}")
    contacts = list(ContactLink.objects.filter(tenant=tenant).select_related("customer").order_by("pk"))
    for link in contacts[:: len(contacts) // PLANTED["contact_fields"]][: PLANTED["contact_fields"]]:
        plant("contacts", "change", link.xero_id or "", EmailAddress=f"changed-{link.customer.code}@example.com")
    journals = list(CostOfSalesJournal.objects.order_by("journaled_on"))
    for journal in journals[:: len(journals) // PLANTED["journal_accounts"]][: PLANTED["journal_accounts"]]:
        amount = journal.debit_amount + 5
        plant("journals", "change", journal.reference, JournalLines=[
            {"LineAmount": str(amount), "AccountCode": "51110"}, {"LineAmount": str(-amount), "AccountCode": "14410"}])
    return dict(PLANTED)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=20000)
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--journals", type=int, default=365)
    parser.add_argument("--seed-minute-s", type=float, default=1.0, help="a Xero minute while the books are sent")
    args = parser.parse_args()

    import shutil
    import tempfile
    from pathlib import Path

    work = Path(tempfile.mkdtemp(prefix="bench-reconcile-"))
    os.environ["XERO_PUSH_CHUNK"] = str(args.invoices + 1)  # one push job sends them all
    sandbox, base = _start_sandbox(work / "sandbox", args.seed_minute_s)
    try:
        _configure_django(work, base, args.seed_minute_s)
        from django.conf import settings

        from bms.xero.reconcile.run import reconciliation_run
        from bms.xero.sync.log import CollectingLog

        tenant = _seed(base, args.invoices, args.contacts, args.journals)
        print("sending the books to Xero…", file=sys.stderr)
        _send(tenant)
        planted = _plant(base, tenant)
        # The run itself under Xero's real limits: a minute of 60 seconds, here and in the sandbox.
        httpx.post(f"{base}/_sandbox/config", json={"minute_s": 60}, timeout=30).raise_for_status()
        settings.XERO_LIMIT_MINUTE_S = 60.0
        httpx.delete(f"{base}/_sandbox/log", timeout=30)
        print("reconciling…", file=sys.stderr)
        started = time.perf_counter()
        run = reconciliation_run(tenant=tenant, date_from=YEAR[0], date_to=YEAR[1], log=CollectingLog())
        seconds = time.perf_counter() - started
        entries = httpx.get(f"{base}/_sandbox/log", params={"tenant": tenant.xero_tenant_id}, timeout=60).json()[
            "entries"]
        state = httpx.get(f"{base}/_sandbox/state", timeout=120).json()["orgs"][tenant.xero_tenant_id]
        held = {"invoices": len(state["invoices"]), "contacts": len(state["contacts"]),
                "journals": len(state["journals"])}
        paged_minimum = sum(math.ceil(n / 1000) for n in held.values())
        per_record = [e["path"] for e in entries if e["method"] == "GET" and GUID.search(e["path"])]
        figures = {
            "records": run.records, "calls": len(entries), "seconds": round(seconds, 2),
            "differences_found": run.disagreements, "differences_planted": sum(planted.values()),
            "paged_minimum": paged_minimum, "bound": round(1.1 * paged_minimum + 10, 1),
            "within_bound": len(entries) <= 1.1 * paged_minimum + 10, "per_record_gets": len(per_record),
            "causes_match": run.cause_counts == planted, "found": run.cause_counts, "planted": planted,
            "xero_holds": held, "invoices": args.invoices, "contacts": args.contacts, "journals": args.journals,
        }
        print(json.dumps(figures))
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
