"""Released invoices → Xero ACCREC invoices (PRODUCT.md §3.5), exactly once.

Per tenant, under its lease: contacts first (a customer without a Xero contact is synced on the
way), then the invoices in batches of ≤ 50. Each invoice is checked before it is sent (lock date,
account codes, tax types); a bad one fails alone with a message a finance user can act on. New
invoices are created with PUT; corrections update the same Xero invoice by InvoiceID with its
LineItemIDs. An invoice whose create may have landed (no answer) is looked up by its number before
anything is sent again.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from bms.billing.models import Invoice, InvoiceStatus
from bms.billing.services import invoices_mark_processed
from bms.preferences.selectors import general_settings
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import Invoice as XeroInvoice
from bms.xero.models import ContactLink, EntityXeroConnection, InvoiceLink, LinkStatus, XeroTenant
from bms.xero.payloads import entity_tracking, invoice_cancellation, invoice_payload
from bms.xero.services.chart_check import ChartCheck
from bms.xero.services.contacts import contacts_sync
from bms.xero.sync.batches import send_batch
from bms.xero.sync.keys import batch_key, record_key
from bms.xero.sync.link_rows import link_rows_update
from bms.xero.sync.log import SyncLog, SyncOutcome
from bms.xero.sync.pipeline import BatchPipeline

BATCH_SIZE = 50
LOOKUP_SIZE = 40  # Xero recommends ~40 values in a list filter


def _label(invoice: Invoice) -> str:
    return f"Invoice {invoice.display_number}"


def _links_for(tenant: XeroTenant, invoices: list[Invoice]) -> dict[int, InvoiceLink]:
    # Two statements however many invoices: rows another worker created a moment ago are kept.
    InvoiceLink.objects.bulk_create(
        [InvoiceLink(tenant=tenant, invoice=invoice) for invoice in invoices], ignore_conflicts=True, batch_size=500
    )
    return {link.invoice_id: link for link in InvoiceLink.objects.filter(
        tenant=tenant, invoice_id__in=[invoice.pk for invoice in invoices])}


def _fail(link: InvoiceLink, invoice: Invoice, message: str, cause: str, log: SyncLog, outcome: SyncOutcome) -> None:
    InvoiceLink.objects.filter(pk=link.pk).update(
        status=LinkStatus.FAILED, last_error=message, error_cause=cause[:255], updated_at=timezone.now()
    )
    outcome.failed += 1
    log.error(message, record=_label(invoice), cause=cause[:255])


def invoices_push(
    *, tenant: XeroTenant, invoices: Iterable[Invoice], client: XeroAccountingClient, log: SyncLog,
    chart: ChartCheck | None = None,
) -> SyncOutcome:
    invoices = list(
        Invoice.objects.filter(pk__in=[i.pk for i in invoices])
        .select_related("entity", "customer__payment_terms")
        .prefetch_related("lines__account", "lines__tax_rate")
        .order_by("pk")
    )
    outcome = SyncOutcome()
    chart = chart or ChartCheck(client)
    settings_row = general_settings()
    links = _links_for(tenant, invoices)

    # Contacts first, for customers this tenant has not linked yet.
    customers = {invoice.customer_id: invoice.customer for invoice in invoices}
    synced_contacts = _synced_contacts(tenant, customers)
    missing = [customer for pk, customer in customers.items() if pk not in synced_contacts]
    if missing:
        contact_outcome = contacts_sync(tenant=tenant, customers=missing, client=client, log=log)
        log.info(f"Customers synced on the way: {contact_outcome.summary()}.")
        synced_contacts = _synced_contacts(tenant, customers)
    failed_contacts = set(
        ContactLink.objects.filter(tenant=tenant, customer_id__in=customers, status=LinkStatus.FAILED)
        .values_list("customer_id", flat=True)
    )

    lock_date = tenant.lock_date
    uncertain = [i for i in invoices if links[i.pk].status in (LinkStatus.SENDING, LinkStatus.UNCERTAIN)
                 and not links[i.pk].xero_id]
    found = _lookup_by_number(client, uncertain)
    creates, updates = [], []
    for invoice in invoices:
        link = links[invoice.pk]
        if link.status == LinkStatus.PARKED:
            outcome.parked += 1
            continue
        if link.xero_id and link.status == LinkStatus.SYNCED and link.revision_pushed >= invoice.revision:
            continue  # already in Xero as it is now
        if invoice.pk in found:
            # Our earlier create landed although its answer was lost.
            _succeed(tenant, link, invoice, found[invoice.pk], outcome, created=True)
            log.advance()
            continue
        if lock_date and invoice.issued_on <= lock_date:
            _fail(link, invoice,
                  f"Blocked by lock date {lock_date:%d/%m/%Y}: Xero accepts nothing dated on or before it. Ask your "
                  f"adviser to move the lock date in Xero, then sync again.",
                  f"blocked by lock date {lock_date:%d/%m/%Y}", log, outcome)
            log.advance()
            continue
        contact_id = synced_contacts.get(invoice.customer_id)
        if not contact_id and invoice.customer_id not in failed_contacts:
            # Its customer's contact is still on its way (no answer from Xero yet): not a failure, the
            # invoice simply waits for the next push.
            outcome.parked += 1
            log.warning(f"Waiting for customer {invoice.customer.code} to reach Xero; the invoice goes with the next "
                        "push.", record=_label(invoice), cause=f"customer {invoice.customer.code} not in Xero yet")
            log.advance()
            continue
        if not contact_id:
            _fail(link, invoice,
                  f"Customer {invoice.customer.code} could not be synced to Xero; fix the customer (see its Xero "
                  f"Integration panel), then sync again.",
                  f"customer {invoice.customer.code} not synced", log, outcome)
            log.advance()
            continue
        problems = [] if invoice.status == InvoiceStatus.CANCELLED else _chart_problems(chart, invoice)
        if problems:
            message = "; ".join(problems)
            _fail(link, invoice, f"Not sent: {message}. Fix the account or tax rate, then sync again.", problems[0],
                  log, outcome)
            log.advance()
            continue
        if link.status in (LinkStatus.SENDING, LinkStatus.UNCERTAIN) and not link.xero_id:
            link.key_epoch += 1  # looked up and not found: send again with a fresh key
        (updates if link.xero_id else creates).append((link, invoice, contact_id))

    connection_status = _invoice_status_by_entity(invoices)
    with BatchPipeline(client) as pipeline:
        for group, create in ((creates, True), (updates, False)):
            for start in range(0, len(group), BATCH_SIZE):
                _push(tenant, group[start : start + BATCH_SIZE], pipeline, log, outcome, create=create,
                      tracking_settings=settings_row, statuses=connection_status)
    return outcome


def _synced_contacts(tenant: XeroTenant, customers: dict) -> dict[int, str]:
    return dict(
        ContactLink.objects.filter(tenant=tenant, customer_id__in=customers, status=LinkStatus.SYNCED)
        .values_list("customer_id", "xero_id")
    )


def _chart_problems(chart: ChartCheck, invoice: Invoice) -> list[str]:
    problems = []
    for line in invoice.lines.all():
        problem = chart.account_problem(line.account.code)
        if problem:
            problems.append(problem)
        if line.tax_rate_id:
            problem = chart.tax_problem(line.tax_rate.xero_tax_type)
            if problem:
                problems.append(problem)
    return list(dict.fromkeys(problems))


def _invoice_status_by_entity(invoices: list[Invoice]) -> dict[int, str]:
    entity_ids = {invoice.entity_id for invoice in invoices}
    statuses = dict(
        EntityXeroConnection.objects.filter(entity_id__in=entity_ids).values_list("entity_id", "invoice_status")
    )
    return {entity_id: statuses.get(entity_id, "AUTHORISED") for entity_id in entity_ids}


def _lookup_by_number(client: XeroAccountingClient, invoices: list[Invoice]) -> dict[int, XeroInvoice]:
    found: dict[int, XeroInvoice] = {}
    for start in range(0, len(invoices), LOOKUP_SIZE):
        chunk = invoices[start : start + LOOKUP_SIZE]
        by_number = {invoice.display_number: invoice for invoice in chunk}
        page = client.get_invoices(invoice_numbers=list(by_number))
        for xero_invoice in page.items:
            invoice = by_number.get(xero_invoice.invoice_number or "")
            if invoice is not None and xero_invoice.type == "ACCREC":
                found[invoice.pk] = xero_invoice
    return found


_PK_PLACEHOLDER = 987654321


def _invoice_urls(invoices) -> dict[int, str]:
    # One reverse() a batch: resolving the pattern for each of thousands of invoices shows in a profile.
    template = settings.BMS_BASE_URL + reverse("billing:invoice_detail", args=[_PK_PLACEHOLDER])
    return {invoice.pk: template.replace(str(_PK_PLACEHOLDER), str(invoice.pk)) for invoice in invoices}


def _push(tenant, batch, pipeline: BatchPipeline, log, outcome, *, create: bool, tracking_settings, statuses) -> None:
    for link, invoice, _ in batch:
        link.idempotency_key = record_key(
            tenant_id=tenant.tenant_id, kind="invoice", record_id=invoice.pk,
            revision=invoice.revision, epoch=link.key_epoch,
        )
        link.status = LinkStatus.SENDING
        link.attempts += 1
    keys = [link.idempotency_key for link, _, _ in batch]
    # Step 1, the intent, committed before the call.
    link_rows_update(InvoiceLink, [
        (link.pk, {"status": link.status, "idempotency_key": link.idempotency_key, "key_epoch": link.key_epoch,
                   "attempts": link.attempts})
        for link, _, _ in batch
    ])
    urls = _invoice_urls(invoice for _, invoice, _ in batch)
    elements = [
        invoice_cancellation(invoice_id=link.xero_id, status_in_xero=statuses[invoice.entity_id])
        if invoice.status == InvoiceStatus.CANCELLED and link.xero_id
        else invoice_payload(
            invoice,
            contact_id=contact_id,
            status=statuses[invoice.entity_id],
            tracking=_tracking(invoice, tracking_settings),
            invoice_id=None if create else link.xero_id,
            line_item_ids=None if create else link.line_item_ids,
            url=urls[invoice.pk],
        )
        for link, invoice, contact_id in batch
    ]
    ids = [link.pk for link, _, _ in batch]
    operation = "create" if create else "update"
    key = batch_key(keys, operation=operation)

    def call(client: XeroAccountingClient) -> list[XeroInvoice]:
        method = client.create_invoices if create else client.update_or_create_invoices
        return method(elements, idempotency_key=key)

    def refuse_all(message: str) -> None:
        for link, invoice, _ in batch:
            _fail(link, invoice, f"Xero refused the request: {message}", message, log, outcome)

    def settle(answer) -> None:
        results = send_batch(tenant=tenant, link_model=InvoiceLink, link_ids=ids, what="invoices", call=answer,
                             log=log, refuse_all=refuse_all)
        if results is not None:
            _settle(batch, results, log, outcome, tenant=tenant, create=create)

    pipeline.send(call, settle)


def _settle(batch, results: list[XeroInvoice], log, outcome, *, tenant, create: bool) -> None:
    confirmed, rows = [], []
    with transaction.atomic():  # one transaction a batch: its outcome lands whole, and fast
        for (link, invoice, _), result in zip(batch, results, strict=True):
            if result.is_error:
                message = "; ".join(result.error_messages) or "Xero refused this invoice"
                _fail(link, invoice, f"Xero: {message}", message, log, outcome)
            else:
                rows.append((link.pk, _success_values(link, invoice, result)))
                confirmed.append(invoice)
                _count(outcome, created=create)
                for warning in result.warnings:
                    log.warning(f"Xero: {warning.message}", record=_label(invoice))
            log.advance()
        link_rows_update(InvoiceLink, rows)
        _confirm(tenant, confirmed)


def _tracking(invoice: Invoice, settings_row):
    return entity_tracking(invoice.entity, settings_row)


def _succeed(tenant, link, invoice, result: XeroInvoice, outcome: SyncOutcome, *, created: bool) -> None:
    with transaction.atomic():
        link_rows_update(InvoiceLink, [(link.pk, _success_values(link, invoice, result))])
        _confirm(tenant, [invoice])
    _count(outcome, created=created)


def _count(outcome: SyncOutcome, *, created: bool) -> None:
    if created:
        outcome.created += 1
    else:
        outcome.updated += 1


def _success_values(link, invoice, result: XeroInvoice) -> dict:
    line_ids = {}
    xero_lines = result.line_items or []
    bms_lines = list(invoice.lines.all())
    if len(xero_lines) == len(bms_lines):
        # Xero answers with the lines in the order they were sent.
        line_ids = {str(line.pk): xl.line_item_id for line, xl in zip(bms_lines, xero_lines, strict=True)
                    if xl.line_item_id}
    return {
        "xero_id": result.invoice_id,
        "xero_number": result.invoice_number or invoice.display_number,
        "line_item_ids": line_ids or link.line_item_ids,
        "status": LinkStatus.SYNCED,
        "revision_pushed": invoice.revision,
        "last_pushed_at": timezone.now(),
        "last_error": "",
        "error_cause": "",
    }


def _confirm(tenant: XeroTenant, invoices: list[Invoice]) -> None:
    """Xero holds these invoices: approved ones become Processed, and their entities are known to
    have records in this tenant (the relink guard reads that)."""
    if not invoices:
        return
    invoices_mark_processed(invoice_ids=[i.pk for i in invoices if i.status == InvoiceStatus.APPROVED])
    EntityXeroConnection.objects.filter(
        entity_id__in={i.entity_id for i in invoices}, records_tenant_id=""
    ).update(records_tenant_id=tenant.tenant_id)
