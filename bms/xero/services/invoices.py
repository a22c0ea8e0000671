"""Released invoices → Xero ACCREC invoices (PRODUCT.md §3.5), exactly once: the invoices kind of
the push engine.

Contacts first (a customer without a Xero contact is synced on the way), then the invoices. Each
invoice is checked before it is sent (lock date, its customer's contact, account codes, tax
types); a bad one fails alone with a message a finance user can act on. New invoices are created
with PUT; corrections update the same Xero invoice by InvoiceID with its LineItemIDs. An invoice
whose create may have landed is looked up by its number before anything is sent again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import count
from typing import Any, ClassVar

from django.conf import settings
from django.db.models import QuerySet, prefetch_related_objects
from django.urls import reverse

from bms.billing.models import Invoice, InvoiceStatus
from bms.billing.services import invoices_mark_processed
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import Invoice as XeroInvoice
from bms.xero.models import EntityXeroConnection, InvoiceLink, SyncLink, XeroTenant
from bms.xero.payloads import invoice_cancellation, invoice_payload
from bms.xero.services.chart_check import ChartCheck
from bms.xero.services.contact_status import contact_statuses_refresh, held_contacts_recheck
from bms.xero.services.payments_push import payments_send_settled
from bms.xero.services.sales_push import SalesDocumentPush, sync_missing_contacts
from bms.xero.services.tracking_check import TrackingCheck
from bms.xero.sync.log import SyncLog, SyncOutcome
from bms.xero.sync.push import Refusal, push

LOOKUP_SIZE = 40  # Xero recommends ~40 values in a list filter
LOOKUP_PAGE = 100
INVOICE_LINES = ("lines__account", "lines__tax_rate")
_PK_PLACEHOLDER = 987654321


class InvoicePush(SalesDocumentPush[Invoice, XeroInvoice]):
    kind = "invoice"
    what = "invoices"
    noun = "invoice"
    link_model: ClassVar[type[SyncLink]] = InvoiceLink
    record_field = "invoice"

    def __init__(self, *, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog, chart: ChartCheck,
                 invoices: list[Invoice], tracking: TrackingCheck | None = None):
        super().__init__(tenant=tenant, client=client, log=log, chart=chart, documents=invoices, tracking=tracking)
        entity_ids = {invoice.entity_id for invoice in invoices}
        statuses = dict(EntityXeroConnection.objects.filter(entity_id__in=entity_ids)
                        .values_list("entity_id", "invoice_status"))
        self.statuses = {entity_id: statuses.get(entity_id, "AUTHORISED") for entity_id in entity_ids}
        # One reverse() a run: resolving the pattern for each of thousands of invoices shows in a profile.
        self.url_template = settings.BMS_BASE_URL + reverse("billing:invoice_detail", args=[_PK_PLACEHOLDER])

    def prepare(self, records: Sequence[Invoice]) -> None:
        prefetch_related_objects(list(records), *INVOICE_LINES)  # (already read: nothing happens)

    def lookup(self, records: list[Invoice]) -> dict[int, XeroInvoice | Refusal]:
        found: dict[int, XeroInvoice | Refusal] = {}
        for start in range(0, len(records), LOOKUP_SIZE):
            by_number = {invoice.display_number: invoice for invoice in records[start:start + LOOKUP_SIZE]}
            for xero_invoice in self._by_numbers(list(by_number)):
                invoice = by_number.get(xero_invoice.invoice_number or "")
                if invoice is not None and xero_invoice.type == "ACCREC":
                    found[invoice.pk] = xero_invoice
        return found

    def _by_numbers(self, numbers: list[str]) -> Iterable[XeroInvoice]:
        """Paged: Xero returns LineItems (and so their LineItemIDs) only with `page` or for a single
        invoice (xero-notes §6.3). ACCPAY bills may share a number, so every page is read."""
        for number in count(1):
            items = self.client.get_invoices(invoice_numbers=numbers, page=number, page_size=LOOKUP_PAGE).items
            yield from items
            if len(items) < LOOKUP_PAGE:
                return

    def cancelled(self, record: Invoice) -> bool:
        return record.status == InvoiceStatus.CANCELLED

    def element(self, record: Invoice, link: SyncLink, *, create: bool) -> XeroInvoice:
        status = self.statuses[record.entity_id]
        if self.cancelled(record) and link.xero_id:
            return invoice_cancellation(invoice_id=link.xero_id, status_in_xero=status)
        assert isinstance(link, InvoiceLink)
        return invoice_payload(
            record, contact_id=self.contacts[record.customer_id], status=status,
            tracking=self.tracking_of.get(record.pk, []),
            invoice_id=None if create else link.xero_id, line_item_ids=None if create else link.line_item_ids,
            url=self.url_template.replace(str(_PK_PLACEHOLDER), str(record.pk)),
            zero_rate_tax_type=self.tenant.zero_rate_tax_type,
        )

    def send(self, client: XeroAccountingClient, elements: list[XeroInvoice], *, create: bool,
             key: str) -> list[XeroInvoice]:
        return (client.create_invoices if create else client.update_or_create_invoices)(
            elements, idempotency_key=key)

    def xero_id(self, result: XeroInvoice) -> str:
        return result.invoice_id or ""

    def success_fields(self, record: Invoice, link: SyncLink, result: XeroInvoice | None) -> dict[str, Any]:
        assert isinstance(link, InvoiceLink)
        fields = self.written_fields(record, link, result, result.invoice_number if result is not None else None)
        if result is None or self.cancelled(record):
            return fields
        fields.update(xero_total=result.total, xero_amount_due=result.amount_due,
                      xero_amount_credited=result.amount_credited)
        return self.totals_checked(record, result, fields)

    def confirm(self, records: list[Invoice]) -> None:
        """Approved invoices Xero holds become Processed; their entities are known to have records in
        this tenant (the relink guard reads that)."""
        invoices_mark_processed(invoice_ids=[i.pk for i in records
                                             if not self.cancelled(i) and i.pk not in self.differing])
        EntityXeroConnection.objects.filter(
            entity_id__in={i.entity_id for i in records}, records_xero_tenant_id=""
        ).update(records_xero_tenant_id=self.tenant.xero_tenant_id)


def invoices_push(
    *, tenant: XeroTenant, invoices: Iterable[Invoice], client: XeroAccountingClient, log: SyncLog,
    chart: ChartCheck | None = None,
) -> SyncOutcome:
    ids = [i.pk for i in invoices]
    chart = chart or ChartCheck(client)
    if ids:
        chart.read_ahead()  # Xero answers while the invoices load
    try:
        records = invoices_for_push(Invoice.objects.filter(pk__in=ids), lines=False)
        sync_missing_contacts(tenant, records, client, log)
        contact_statuses_refresh(tenant=tenant, client=client, customer_ids={i.customer_id for i in records},
                                 log=log)
        held_contacts_recheck(tenant=tenant, client=client, log=log)
        adapter = InvoicePush(tenant=tenant, client=client, log=log, chart=chart, invoices=records)
        outcome = push(adapter, records)
    finally:
        chart.close()
    paid = payments_send_settled(tenant=tenant, client=client, log=log)
    if not paid.is_empty:
        log.info(f"Payments entered in BMS before connecting: {paid.summary()}.")
    return outcome


def invoices_for_push(invoices: QuerySet[Invoice], *, lines: bool = True) -> list[Invoice]:
    """The invoices as the push reads them (and Check against Xero with it): with what the checks
    and the payload use, in one query per relation. Without `lines`, the push reads their lines a
    chunk at a time (`InvoicePush.prepare`), so the first batch need not wait for every invoice's."""
    read = invoices.select_related("entity", "customer__payment_terms").order_by("pk")
    return list(read.prefetch_related(*INVOICE_LINES) if lines else read)
