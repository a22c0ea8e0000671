"""Payments and balances back from Xero (PRODUCT.md §3.5).

Two feeds, because neither alone is complete (xero-notes trap 14): Payments changed since the
cursor (a deleted payment shows as Status DELETED), and ACCREC invoices changed since the cursor
(credit notes and overpayments lower AmountDue without any payment). Every invoice either feed
touches is then read in batches of IDs and applied invoice by invoice (services/pull_apply.py: one
savepoint each; the balance rule lives there). One invoice that cannot be applied fails alone, is
grouped by cause in the log, and is read again by every later pull until it applies; the cursor
still moves on, so it never holds up the rest. Each pull re-reads a few minutes before the cursor,
so nothing slips between two pulls.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import count

from django.utils import timezone

from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import Invoice as XeroInvoice
from bms.xero.client.schemas import Payment
from bms.xero.models import InvoiceLink, PullCursor, XeroTenant
from bms.xero.services.credit_notes_pull import credit_notes_pull
from bms.xero.services.pull_apply import RECORDED, REVERSED, UPDATED, VOIDED, invoice_apply_from_xero
from bms.xero.sync.log import SyncLog, SyncOutcome

OVERLAP = timedelta(minutes=5)
PAGE_SIZE = 1000
LOOKUP_SIZE = 40
# Xero's default order for both feeds, said out loud: pages read oldest change first.
FEED_ORDER = "UpdatedDateUTC ASC"
__all__ = ["RECORDED", "REVERSED", "UPDATED", "VOIDED", "payments_pull"]


def payments_pull(*, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog,
                  now: datetime | None = None) -> SyncOutcome:
    now = now or timezone.now()
    cursor, _ = PullCursor.objects.get_or_create(tenant=tenant, resource="payments")
    since = cursor.modified_since - OVERLAP if cursor.modified_since else None
    links = InvoiceLink.objects.filter(tenant=tenant, xero_id__isnull=False)
    ours = {xero_id for xero_id in links.values_list("xero_id", flat=True) if xero_id}
    # Credit made in Xero first: the invoices it changed are then read again below, so their balance
    # is Xero's AmountDue whichever order the changes came in.
    credits, credited = credit_notes_pull(tenant=tenant, client=client, log=log, now=now)
    touched, newest, details = _changed_since(client, since, ours, cursor.modified_since)
    touched |= credited & ours
    # Those an earlier pull could not apply are read again, so a fix made since (in Xero or BMS) lands.
    touched |= {xero_id for xero_id in links.exclude(pull_error="").values_list("xero_id", flat=True) if xero_id}

    outcome = SyncOutcome(counts={RECORDED: 0, REVERSED: 0, UPDATED: 0})
    touched_ids = sorted(touched)
    log.set_total(len(touched_ids))
    for start in range(0, len(touched_ids), LOOKUP_SIZE):
        batch = client.get_invoices(ids=touched_ids[start:start + LOOKUP_SIZE]).items
        by_id = {link.xero_id: link for link in links.filter(xero_id__in=[i.invoice_id for i in batch])
                 .select_related("invoice")}
        for xero_invoice in batch:
            link = by_id.get(xero_invoice.invoice_id)
            if link is not None:
                _read_missing_details(client, xero_invoice, details)
                invoice_apply_from_xero(tenant=tenant, link=link, xero=xero_invoice, outcome=outcome, log=log,
                                        now=now, details=details)
        log.advance(len(batch))
    # Past every page read, failures included: they are retried above, never a reason to stop the feed.
    PullCursor.objects.filter(pk=cursor.pk).update(modified_since=newest)
    log.info(f"Payments pulled: {outcome.summary()}.")
    for what, n in credits.counts.items():
        outcome.add(what, n)
    outcome.failed += credits.failed
    return outcome


def _changed_since(client: XeroAccountingClient, since: datetime | None, ours: set[str],
                   newest: datetime | None) -> tuple[set[str], datetime | None, dict[str, Payment]]:
    """The IDs of our invoices that either feed shows changed, the newest change seen, and the
    payments the feed read, by PaymentID (an invoice lists its payments without their account)."""
    touched: set[str] = set()
    seen: list[tuple[str | None, datetime | None]] = []
    details: dict[str, Payment] = {}
    for page in _pages():
        payments = client.get_payments(where='PaymentType=="ACCRECPAYMENT"', order=FEED_ORDER, page=page,
                                       page_size=PAGE_SIZE, if_modified_since=since).items
        seen += [(p.invoice.invoice_id if p.invoice else None, p.updated_date_utc) for p in payments]
        details.update({p.payment_id: p for p in payments if p.payment_id})
        if len(payments) < PAGE_SIZE:
            break
    for page in _pages():
        invoices = client.get_invoices(where='Type=="ACCREC"', order=FEED_ORDER, page=page, page_size=PAGE_SIZE,
                                       if_modified_since=since).items
        seen += [(i.invoice_id, i.updated_date_utc) for i in invoices]
        if len(invoices) < PAGE_SIZE:
            break
    for invoice_id, updated in seen:
        if invoice_id is not None and invoice_id in ours:
            touched.add(invoice_id)
        if updated and (newest is None or updated > newest):
            newest = updated
    return touched, newest, details


def _read_missing_details(client: XeroAccountingClient, invoice: XeroInvoice, details: dict[str, Payment]) -> None:
    """An invoice read again after an earlier pull could not apply it lists payments this pull's feed
    did not carry: read them (reference, account) with the invoice's payments, one call."""
    missing = [p.payment_id for p in invoice.payments or [] if p.payment_id and p.payment_id not in details]
    if missing and invoice.invoice_id:
        found = client.get_payments(where=f'Invoice.InvoiceID==Guid("{invoice.invoice_id}")').items
        details.update({p.payment_id: p for p in found if p.payment_id})


def _pages() -> Iterator[int]:
    return count(1)
