"""Payments and balances back from Xero (PRODUCT.md §3.5).

Two feeds, because neither alone is complete (xero-notes trap 14): Payments changed since the
cursor (a deleted payment shows as Status DELETED), and ACCREC invoices changed since the cursor
(credit notes and overpayments lower AmountDue without any payment). Every invoice either feed
touches is then read once, and Xero's word wins: one BMS payment per Xero PaymentID, a payment gone
from Xero reversed, the balance set to Xero's AmountDue (Completed at zero). The cursor moves only
after a batch has committed, and each pull re-reads a few minutes before it, so nothing slips
between two pulls.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from bms.billing.models import Invoice, PaymentSource
from bms.billing.services import invoice_set_balance, payment_record, payment_reverse
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import Invoice as XeroInvoice
from bms.xero.models import InvoiceLink, PaymentLink, PullCursor, XeroTenant
from bms.xero.sync.log import SyncLog, SyncOutcome

OVERLAP = timedelta(minutes=5)
PAGE_SIZE = 1000
LOOKUP_SIZE = 40
RECORDED, REVERSED, UPDATED = "payments recorded", "payments reversed", "invoices brought up to date"


def _http_date(moment: datetime | None) -> str | None:
    return format_datetime(moment.astimezone(UTC), usegmt=True) if moment else None


def payments_pull(*, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog,
                  now: datetime | None = None) -> SyncOutcome:
    now = now or timezone.now()
    cursor, _ = PullCursor.objects.get_or_create(tenant=tenant, resource="payments")
    since = _http_date(cursor.modified_since - OVERLAP) if cursor.modified_since else None
    newest = cursor.modified_since
    ours = dict(InvoiceLink.objects.filter(tenant=tenant, xero_id__isnull=False).values_list("xero_id", "invoice_id"))
    touched: set[str] = set()
    deleted_payment_ids: set[str] = set()

    page = 1
    while True:
        result = client.get_payments(where='PaymentType=="ACCRECPAYMENT"', page=page, page_size=PAGE_SIZE,
                                     if_modified_since=since)
        for payment in result.items:
            invoice_id = payment.invoice.invoice_id if payment.invoice else None
            if invoice_id is not None and invoice_id in ours:
                touched.add(invoice_id)
                if payment.status == "DELETED" and payment.payment_id:
                    deleted_payment_ids.add(payment.payment_id)
            if payment.updated_date_utc and (newest is None or payment.updated_date_utc > newest):
                newest = payment.updated_date_utc
        if len(result.items) < PAGE_SIZE:
            break
        page += 1
    page = 1
    while True:
        invoices = client.get_invoices(where='Type=="ACCREC"', page=page, page_size=PAGE_SIZE,
                                       if_modified_since=since)
        for invoice in invoices.items:
            if invoice.invoice_id is not None and invoice.invoice_id in ours:
                touched.add(invoice.invoice_id)
            if invoice.updated_date_utc and (newest is None or invoice.updated_date_utc > newest):
                newest = invoice.updated_date_utc
        if len(invoices.items) < PAGE_SIZE:
            break
        page += 1

    outcome = SyncOutcome(counts={RECORDED: 0, REVERSED: 0, UPDATED: 0})
    touched_ids = sorted(touched)
    for start in range(0, len(touched_ids), LOOKUP_SIZE):
        batch = client.get_invoices(ids=touched_ids[start:start + LOOKUP_SIZE]).items
        for xero_invoice in batch:
            _reconcile(tenant, Invoice.objects.get(pk=ours[xero_invoice.invoice_id]), xero_invoice,
                       deleted_payment_ids, outcome, log, now)
    PullCursor.objects.filter(pk=cursor.pk).update(modified_since=newest)
    log.info(f"Payments pulled: {outcome.summary()}.")
    return outcome


def _reconcile(tenant: XeroTenant, invoice: Invoice, xero: XeroInvoice, deleted: set[str], outcome: SyncOutcome,
               log: SyncLog, now: datetime) -> None:
    current = {payment.payment_id: payment for payment in xero.payments or [] if payment.payment_id}
    with transaction.atomic():
        for payment_id, payment in current.items():
            if payment.amount is None or PaymentLink.objects.filter(tenant=tenant, xero_payment_id=payment_id).exists():
                continue  # (Xero always sends an Amount; without one there is nothing to record)
            try:
                with transaction.atomic():
                    recorded = payment_record(invoice=invoice, amount=payment.amount,
                                              paid_on=payment.date or now.date(), reference="Xero payment",
                                              source=PaymentSource.XERO, now=now)
                    PaymentLink.objects.create(tenant=tenant, xero_payment_id=payment_id, payment=recorded)
            except IntegrityError:
                continue  # another pull recorded it a moment ago
            outcome.add(RECORDED)
            log.info(f"Payment of {payment.amount} on {payment.date:%d/%m/%Y} recorded.",
                     record=f"Invoice {invoice.display_number}")
        gone = PaymentLink.objects.filter(tenant=tenant, payment__invoice=invoice, is_deleted_in_xero=False).exclude(
            xero_payment_id__in=list(current))
        for link in gone.select_related("payment"):
            if link.xero_payment_id in deleted or link.xero_payment_id not in current:
                payment_reverse(payment=link.payment, now=now)
                PaymentLink.objects.filter(pk=link.pk).update(is_deleted_in_xero=True)
                outcome.add(REVERSED)
                log.warning(f"A payment of {link.payment.amount} was deleted in Xero and has been reversed.",
                            record=f"Invoice {invoice.display_number}")
        if xero.amount_due is not None:
            invoice_set_balance(invoice=invoice, balance_amount=Decimal(xero.amount_due), now=now)
        InvoiceLink.objects.filter(tenant=tenant, invoice=invoice).update(last_pulled_at=now)
    outcome.add(UPDATED)
