"""Invoices: every invoice BMS sent to the organisation and dated in the range, beside Xero's ACCREC
invoices of the same dates, read in pages of 1000 (line items come with paged reads, but only the
totals are compared: SubTotal, TotalTax, Total, AmountDue and Status, xero-notes §6).

One cause per record, the one a person fixes first: missing → status → tax → totals → amount due
(a tax difference moves the total too; fixing the tax fixes both)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from bms.billing.models import CreditNote, Invoice, InvoiceStatus
from bms.xero.client.api import Page, XeroAccountingClient
from bms.xero.client.schemas import Invoice as XeroInvoice
from bms.xero.models import InvoiceLink, LinkStatus
from bms.xero.reconcile.causes import Cause
from bms.xero.reconcile.documents import DocumentKind, amounts_differing, differ
from bms.xero.reconcile.registry import (
    GONE,
    PAGE_SIZE,
    Finding,
    Scope,
    money_text,
    register_kind,
)


def invoice_compare(invoice: Invoice, link: InvoiceLink, xero: XeroInvoice) -> Finding | None:
    """The one thing to fix about this invoice, or None when BMS and Xero agree."""
    number, status, xero_id = invoice.display_number, xero.status or "", xero.invoice_id
    cancelled = invoice.status == InvoiceStatus.CANCELLED
    if cancelled and status not in GONE:
        return differ(Cause.STATUS, invoice, xero_id, f"{number} is cancelled in BMS but {status} in Xero.",
                      "Cancelled", status)
    if status in GONE and not cancelled and link.xero_status_accepted != status:
        return differ(Cause.STATUS, invoice, xero_id, f"{number} is {status} in Xero but "
                      f"{invoice.get_status_display()} in BMS.", invoice.get_status_display(), status)
    if cancelled or status in GONE:
        return None  # both sides agree it is gone (or the difference was accepted)
    return amounts_differing(invoice, xero_id, (
        (Cause.TAX, xero.total_tax, invoice.tax_amount, "Xero's tax on {number} is {theirs}, BMS's {ours}."),
        (Cause.TOTALS, xero.total, invoice.total_amount, "Xero's total for {number} is {theirs}, BMS's {ours}."),
        (Cause.TOTALS, xero.sub_total, invoice.subtotal_amount,
         "Xero's subtotal for {number} is {theirs}, BMS's {ours}."),
        (Cause.AMOUNT_DUE, xero.amount_due, invoice.balance_amount,
         "Xero says {theirs} is due on {number}, BMS {ours}.")))


class InvoiceKind(DocumentKind[XeroInvoice, InvoiceLink]):
    name = "invoice"
    title = "Invoices"
    xero_type = "ACCREC"
    link_model = InvoiceLink
    document_field = "invoice"

    def page(self, client: XeroAccountingClient, *, where: str, page: int,
             since: datetime | None) -> Page[XeroInvoice]:
        return client.get_invoices(where=where, page=page, page_size=PAGE_SIZE, if_modified_since=since)

    def identity(self, item: XeroInvoice) -> tuple[str, str, str]:
        return item.invoice_id or "", item.invoice_number or "", item.status or ""

    def compare(self, link: InvoiceLink, theirs: XeroInvoice) -> Finding | None:
        finding = invoice_compare(link.invoice, link, theirs)
        if finding is None and link.status == LinkStatus.DIFFERS:
            finding = differ(Cause.DIFFERS_LINK, link.invoice, theirs.invoice_id,
                             f"{link.invoice.display_number} is held as differing from Xero, but Xero's totals now "
                             "equal BMS's.", "Differs", money_text(theirs.total))
        if finding is not None:
            _remember(link, theirs)
        return finding

    def prefixes(self, scope: Scope) -> tuple[str, ...]:
        return tuple(entity.prefix for entity in scope.entities if entity.prefix)

    def missing_text(self, document: Invoice | CreditNote) -> str:
        return f"{document.display_number} was sent, but Xero has no invoice with its id."

    def unlinked_text(self, number: str, status: str) -> str:
        return f"Xero holds {number} ({status}), numbered like a BMS invoice, but no BMS invoice is linked to it."


def _remember(link: InvoiceLink, xero: XeroInvoice) -> None:
    """Keep what Xero holds on the link (as the pull does), so the panel and its Cancel in BMS /
    Accept buttons see the status this run read."""
    InvoiceLink.objects.filter(pk=link.pk).update(
        xero_status=xero.status or "", xero_total=xero.total, xero_amount_due=xero.amount_due,
        xero_amount_credited=xero.amount_credited, xero_updated_at=xero.updated_date_utc,
        xero_seen_at=timezone.now())


register_kind(InvoiceKind())
