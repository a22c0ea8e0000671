"""Released invoices → Xero ACCREC invoices (PRODUCT.md §3.5), exactly once: the invoices kind of
the push engine.

Contacts first (a customer without a Xero contact is synced on the way), then the invoices. Each
invoice is checked before it is sent (lock date, its customer's contact, account codes, tax
types); a bad one fails alone with a message a finance user can act on. New invoices are created
with PUT; corrections update the same Xero invoice by InvoiceID with its LineItemIDs. An invoice
whose create may have landed is looked up by its number before anything is sent again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import count
from typing import Any, ClassVar

from django.conf import settings
from django.db.models import QuerySet, prefetch_related_objects
from django.urls import reverse

from bms.billing.models import Invoice, InvoiceStatus
from bms.billing.services import invoices_mark_processed
from bms.customers.models import Customer
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import Invoice as XeroInvoice
from bms.xero.client.schemas import Tracking
from bms.xero.models import ContactLink, EntityXeroConnection, InvoiceLink, LinkStatus, SyncLink, XeroTenant
from bms.xero.payloads import invoice_cancellation, invoice_payload
from bms.xero.services.chart_check import ChartCheck
from bms.xero.services.contact_checks import contact_state_verdict
from bms.xero.services.contact_status import contact_statuses_refresh, held_contacts_recheck
from bms.xero.services.contacts import contacts_sync
from bms.xero.services.currency_checks import CurrencyCheck
from bms.xero.services.fixes import chart_fix, connection_fix, customer_fix, with_fix
from bms.xero.services.go_live import go_live_dates, go_live_verdict, zero_rate_verdict
from bms.xero.services.invoice_totals import CAUSE_TOTALS_DIFFER, totals_difference
from bms.xero.services.payments_push import payments_send_settled
from bms.xero.services.tracking_check import TrackingCheck
from bms.xero.sync.log import SyncLog, SyncOutcome
from bms.xero.sync.push import PushKind, Refusal, Verdict, lock_date_verdict, push

LOOKUP_SIZE = 40  # Xero recommends ~40 values in a list filter
LOOKUP_PAGE = 100
INVOICE_LINES = ("lines__account", "lines__tax_rate")
_PK_PLACEHOLDER = 987654321


class InvoicePush(PushKind[Invoice, XeroInvoice]):
    kind = "invoice"
    what = "invoices"
    link_model: ClassVar[type[SyncLink]] = InvoiceLink
    record_field = "invoice"

    def __init__(self, *, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog, chart: ChartCheck,
                 invoices: list[Invoice], tracking: TrackingCheck | None = None):
        super().__init__(tenant=tenant, client=client, log=log)
        self.chart = chart
        self.tracking = tracking or TrackingCheck(client, tenant)
        self.tracking_of: dict[int, list[Tracking]] = {}  # invoice pk → its lines' Tracking, from the check
        customers = {invoice.customer_id for invoice in invoices}
        links = ContactLink.objects.filter(tenant=tenant, customer_id__in=customers)
        # customer pk → Xero ContactID, for the customers Xero already holds
        self.contacts: dict[int, str] = {
            customer_id: xero_id
            for customer_id, xero_id in links.filter(status=LinkStatus.SYNCED).values_list("customer_id", "xero_id")
            if xero_id
        }
        self.failed_contacts = set(links.filter(status=LinkStatus.FAILED).values_list("customer_id", flat=True))
        # What Xero holds of each contact (services/contact_status.py read it just before this run).
        self.contact_states: dict[int, tuple[str, str]] = {
            customer_id: (status, merged) for customer_id, status, merged
            in links.values_list("customer_id", "xero_contact_status", "xero_merged_to_id")}
        self.currencies = CurrencyCheck(tenant=tenant, client=client)
        entity_ids = {invoice.entity_id for invoice in invoices}
        statuses = dict(EntityXeroConnection.objects.filter(entity_id__in=entity_ids)
                        .values_list("entity_id", "invoice_status"))
        self.statuses = {entity_id: statuses.get(entity_id, "AUTHORISED") for entity_id in entity_ids}
        self.go_live = go_live_dates(entity_ids=entity_ids)
        self.differing: set[int] = set()  # written, but Xero's totals are not BMS's: not Processed
        # One reverse() a run: resolving the pattern for each of thousands of invoices shows in a profile.
        self.url_template = settings.BMS_BASE_URL + reverse("billing:invoice_detail", args=[_PK_PLACEHOLDER])

    def label(self, record: Invoice) -> str:
        return f"Invoice {record.display_number}"

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

    def checks(self) -> Sequence[Callable[[Invoice, SyncLink], Verdict | None]]:
        """The pre-send checks (PushKind.check runs them; so does Check against Xero). A new check is
        one small method, pure given the reference data read once per run, added to this list."""
        return (
            self.check_go_live,
            self.check_lock_date,
            self.check_contact_state,
            self.check_customer,
            self.check_currency,
            self.check_zero_rate,
            self.check_chart,
            self.check_tracking,
        )

    def is_current(self, link: SyncLink, record: Invoice) -> bool:
        # A DIFFERS invoice is in Xero as written; only a change in BMS (the repair) sends it again.
        return link.status in (LinkStatus.SYNCED, LinkStatus.DIFFERS) and link.revision_pushed >= record.revision

    def check_go_live(self, record: Invoice, link: SyncLink) -> Verdict | None:
        if link.xero_id:  # one Xero already holds (e.g. a void to send) is never held back by the date
            return None
        return go_live_verdict(go_live_on=self.go_live.get(record.entity_id), dated=record.issued_on)

    def check_zero_rate(self, record: Invoice, link: SyncLink) -> Verdict | None:
        if record.status == InvoiceStatus.CANCELLED:
            return None
        verdict = zero_rate_verdict(tenant=self.tenant, has_untaxed_lines=any(
            line.tax_rate is None for line in record.lines.all()))
        return with_fix(verdict, connection_fix(record.entity_id)) if verdict is not None else None

    def check_lock_date(self, record: Invoice, link: SyncLink) -> Verdict | None:
        return lock_date_verdict(self.tenant, record.issued_on, then="sync again")

    def check_customer(self, record: Invoice, link: SyncLink) -> Verdict | None:
        code = record.customer.code
        if record.customer_id in self.failed_contacts:
            return Verdict.fail(f"Customer {code} could not be synced to Xero; fix the customer (see its Xero "
                                f"Integration panel), then sync again.", f"customer {code} not synced",
                                fix=customer_fix(record.customer_id))
        if record.customer_id not in self.contacts:
            # Its customer's contact is still on its way (no answer from Xero yet): not a failure.
            return Verdict.wait(f"Waiting for customer {code} to reach Xero; the invoice goes with the next push.",
                                f"customer {code} not in Xero yet")
        return None

    def check_contact_state(self, record: Invoice, link: SyncLink) -> Verdict | None:
        """The customer's contact archived, under a GDPR request or merged in Xero (as last read by
        services/contact_status.py); a void or delete still goes, it needs no contact."""
        if record.status == InvoiceStatus.CANCELLED:
            return None
        status, merged_to = self.contact_states.get(record.customer_id, ("", ""))
        return contact_state_verdict(customer_code=record.customer.code, customer_id=record.customer_id,
                                     xero_contact_status=status, xero_merged_to_id=merged_to)

    def check_currency(self, record: Invoice, link: SyncLink) -> Verdict | None:
        """One of the organisation's currencies (services/currency_checks.py)."""
        return None if record.status == InvoiceStatus.CANCELLED else self.currencies.verdict(record.currency)

    def check_chart(self, record: Invoice, link: SyncLink) -> Verdict | None:
        problems = [] if record.status == InvoiceStatus.CANCELLED else self._chart_problems(record)
        if problems:
            return Verdict.fail(f"Not sent: {'; '.join(problems)}. Fix the account or tax rate, then sync again.",
                                problems[0], fix=chart_fix())
        return None

    def check_tracking(self, record: Invoice, link: SyncLink) -> Verdict | None:
        if record.status == InvoiceStatus.CANCELLED:
            return None  # a void or delete carries no lines
        verdict, self.tracking_of[record.pk] = self.tracking.verdict(record.entity)
        return verdict

    def _chart_problems(self, invoice: Invoice) -> list[str]:
        problems = []
        for line in invoice.lines.all():
            problems.append(self.chart.account_problem(line.account.code))
            tax_type = line.tax_rate.xero_tax_type if line.tax_rate is not None else self.tenant.zero_rate_tax_type
            problems.append(self.chart.tax_problem(tax_type))
        return list(dict.fromkeys(problem for problem in problems if problem))

    def element(self, record: Invoice, link: SyncLink, *, create: bool) -> XeroInvoice:
        status = self.statuses[record.entity_id]
        if record.status == InvoiceStatus.CANCELLED and link.xero_id:
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
        method = client.create_invoices if create else client.update_or_create_invoices
        return method(elements, idempotency_key=key)

    def xero_id(self, result: XeroInvoice) -> str:
        return result.invoice_id or ""

    def success_fields(self, record: Invoice, link: SyncLink, result: XeroInvoice | None) -> dict[str, Any]:
        assert isinstance(link, InvoiceLink)
        line_ids = {}
        xero_lines = result.line_items or [] if result is not None else []
        bms_lines = list(record.lines.all())
        if len(xero_lines) == len(bms_lines):
            # Xero answers with the lines in the order they were sent.
            line_ids = {str(line.pk): xl.line_item_id for line, xl in zip(bms_lines, xero_lines, strict=True)
                        if xl.line_item_id}
        number = result.invoice_number if result is not None else None
        fields = {"xero_number": number or record.display_number, "line_item_ids": line_ids or link.line_item_ids,
                  # Xero's answer confirms a void ("Void pending" → "Voided in Xero" on the panel).
                  "xero_status": (result.status if result is not None and result.status else link.xero_status)}
        if result is None or record.status == InvoiceStatus.CANCELLED:
            return fields
        fields.update(xero_total=result.total, xero_amount_due=result.amount_due,
                      xero_amount_credited=result.amount_credited)
        difference = totals_difference(record, result)
        if difference:
            # Xero's copy stays as written; the reconciliation offers the repairs.
            self.differing.add(record.pk)
            fields.update(status=LinkStatus.DIFFERS, last_error=difference, error_cause=CAUSE_TOTALS_DIFFER)
            self.log.warning(difference, record=self.label(record), cause=CAUSE_TOTALS_DIFFER)
        return fields

    def confirm(self, records: list[Invoice]) -> None:
        """Approved invoices Xero holds become Processed; their entities are known to have records in
        this tenant (the relink guard reads that)."""
        invoices_mark_processed(invoice_ids=[i.pk for i in records
                                             if i.status != InvoiceStatus.CANCELLED and i.pk not in self.differing])
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
        _sync_missing_contacts(tenant, records, client, log)
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


def _sync_missing_contacts(tenant: XeroTenant, invoices: list[Invoice], client: XeroAccountingClient,
                           log: SyncLog) -> None:
    """Contacts first, for customers this tenant has not linked yet."""
    customers: dict[int, Customer] = {invoice.customer_id: invoice.customer for invoice in invoices}
    synced = set(ContactLink.objects.filter(tenant=tenant, customer_id__in=customers, status=LinkStatus.SYNCED)
                 .values_list("customer_id", flat=True))
    missing = [customer for pk, customer in customers.items() if pk not in synced]
    if missing:
        outcome = contacts_sync(tenant=tenant, customers=missing, client=client, log=log)
        log.info(f"Customers synced on the way: {outcome.summary()}.")
