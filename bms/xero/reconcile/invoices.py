"""Invoices: every invoice BMS sent to the organisation and dated in the range, beside Xero's ACCREC
invoices of the same dates, read in pages of 1000 (line items come with paged reads, but only the
totals are compared: SubTotal, TotalTax, Total, AmountDue and Status, xero-notes §6).

One cause per record, the one a person fixes first: missing → status → tax → totals → amount due
(a tax difference moves the total too; fixing the tax fixes both)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from bms.billing.models import Invoice, InvoiceStatus
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import Invoice as XeroInvoice
from bms.xero.models import InvoiceLink, LinkStatus
from bms.xero.reconcile.causes import Cause
from bms.xero.reconcile.models import Verdict
from bms.xero.reconcile.registry import (
    GONE,
    PAGE_SIZE,
    Finding,
    KindResult,
    ReconcileKind,
    Scope,
    money_text,
    read_pages,
    register_kind,
)


def _differ(cause: Cause, invoice: Invoice, xero: XeroInvoice, message: str, bms: str, theirs: str) -> Finding:
    return Finding(verdict=Verdict.DIFFER, cause=cause, label=invoice.display_number, message=message,
                   bms_id=invoice.pk, dated_on=invoice.issued_on, xero_id=xero.invoice_id or "", bms_value=bms,
                   xero_value=theirs)


def invoice_compare(invoice: Invoice, link: InvoiceLink, xero: XeroInvoice) -> Finding | None:
    """The one thing to fix about this invoice, or None when BMS and Xero agree."""
    number, status = invoice.display_number, xero.status or ""
    cancelled = invoice.status == InvoiceStatus.CANCELLED
    if cancelled and status not in GONE:
        return _differ(Cause.STATUS, invoice, xero, f"{number} is cancelled in BMS but {status} in Xero.",
                       "Cancelled", status)
    if status in GONE and not cancelled and link.xero_status_accepted != status:
        return _differ(Cause.STATUS, invoice, xero, f"{number} is {status} in Xero but "
                       f"{invoice.get_status_display()} in BMS.", invoice.get_status_display(), status)
    if cancelled or status in GONE:
        return None  # both sides agree it is gone (or the difference was accepted)
    if xero.total_tax is not None and Decimal(xero.total_tax) != invoice.tax_amount:
        return _differ(Cause.TAX, invoice, xero, f"Xero's tax on {number} is {money_text(xero.total_tax)}, "
                       f"BMS's {money_text(invoice.tax_amount)}.", money_text(invoice.tax_amount),
                       money_text(xero.total_tax))
    for field, ours in (("total", invoice.total_amount), ("sub_total", invoice.subtotal_amount)):
        theirs = getattr(xero, field)
        if theirs is not None and Decimal(theirs) != ours:
            word = "total" if field == "total" else "subtotal"
            return _differ(Cause.TOTALS, invoice, xero, f"Xero's {word} for {number} is {money_text(theirs)}, "
                           f"BMS's {money_text(ours)}.", money_text(ours), money_text(theirs))
    if xero.amount_due is not None and Decimal(xero.amount_due) != invoice.balance_amount:
        return _differ(Cause.AMOUNT_DUE, invoice, xero, f"Xero says {money_text(xero.amount_due)} is due on {number}, "
                       f"BMS {money_text(invoice.balance_amount)}.", money_text(invoice.balance_amount),
                       money_text(xero.amount_due))
    return None


class InvoiceKind(ReconcileKind):
    name = "invoice"
    title = "Invoices"

    def run(self, *, client: XeroAccountingClient, scope: Scope, since: datetime | None) -> KindResult:
        where = scope.where_dated('Type=="ACCREC"')
        read = read_pages(lambda page: client.get_invoices(where=where, page=page, page_size=PAGE_SIZE,
                                                           if_modified_since=since))
        xero = {item.invoice_id: item for item in read if item.invoice_id}
        links = (InvoiceLink.objects.filter(tenant=scope.tenant, xero_id__isnull=False,
                                            invoice__entity__in=scope.entities,
                                            invoice__issued_on__range=(scope.date_from, scope.date_to))
                 .select_related("invoice__entity"))
        result = KindResult(xero_read=len(read), reread_xero_ids=set(xero))
        linked: set[str] = set()
        for link in links:
            linked.add(link.xero_id or "")
            result.compared += 1
            theirs = xero.get(link.xero_id or "")
            if theirs is None:
                if since is None:  # an incremental read only sees what changed: absence proves nothing
                    result.findings.append(Finding(
                        verdict=Verdict.ONLY_BMS, cause=Cause.MISSING_IN_XERO, label=link.invoice.display_number,
                        bms_id=link.invoice_id, xero_id=link.xero_id or "", dated_on=link.invoice.issued_on,
                        bms_value=money_text(link.invoice.total_amount), xero_value="—",
                        message=f"{link.invoice.display_number} was sent, but Xero has no invoice with its id."))
                continue
            result.reread_bms_ids.add(link.invoice_id)
            finding = invoice_compare(link.invoice, link, theirs)
            if finding is None and link.status == LinkStatus.DIFFERS:
                finding = _differ(Cause.DIFFERS_LINK, link.invoice, theirs, f"{link.invoice.display_number} is held as "
                                  "differing from Xero, but Xero's totals now equal BMS's.", "Differs",
                                  money_text(theirs.total))
            if finding is not None:
                result.findings.append(finding)
                _remember(link, theirs)
        prefixes = tuple(entity.prefix for entity in scope.entities if entity.prefix)
        result.findings += [
            Finding(verdict=Verdict.ONLY_XERO, cause=Cause.MISSING_IN_BMS, label=item.invoice_number or "",
                    xero_id=item.invoice_id or "", dated_on=item.date, bms_value="—",
                    xero_value=money_text(item.total),
                    message=f"Xero holds {item.invoice_number} ({item.status}), numbered like a BMS invoice, but no "
                            "BMS invoice is linked to it.")
            for item in read
            if item.invoice_id not in linked and (item.status or "") not in GONE and prefixes
            and (item.invoice_number or "").startswith(prefixes)]
        return result


def _remember(link: InvoiceLink, xero: XeroInvoice) -> None:
    """Keep what Xero holds on the link (as the pull does), so the panel and its Cancel in BMS /
    Accept buttons see the status this run read."""
    InvoiceLink.objects.filter(pk=link.pk).update(
        xero_status=xero.status or "", xero_total=xero.total, xero_amount_due=xero.amount_due,
        xero_amount_credited=xero.amount_credited, xero_updated_at=xero.updated_date_utc,
        xero_seen_at=timezone.now())


register_kind(InvoiceKind())
