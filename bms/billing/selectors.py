"""Reads for the billing screens and for other apps (the Xero sync asks for released invoices)."""

from django.db.models import Prefetch, Q, QuerySet

from bms.billing.models import Invoice, InvoiceLine, InvoiceStatus, Payment
from bms.core.params import int_param
from bms.core.search import contains
from bms.customers.models import Customer
from bms.entities.models import Entity

RELEASED = (InvoiceStatus.APPROVED, InvoiceStatus.PROCESSED, InvoiceStatus.COMPLETED)


def _number_query(search: str) -> Q | None:
    """Match an invoice number as people type it: "000123", "123", or with the entity prefix,
    "SYD-000123". Prefixes may contain digits, so they are matched against the entities' real
    prefixes instead of stripping non-digits."""
    query = Q(pk__in=[])
    matched = False
    number = int_param(search)
    entities = list(Entity.objects.values_list("pk", "prefix"))
    if number is not None:
        # Each entity's invoice of that number: a look-up per entity in the (entity, number) index.
        query |= Q(entity_id__in=[pk for pk, _ in entities], number=number)
        matched = True
    for entity_id, prefix in entities:
        rest = int_param(search[len(prefix):])
        if prefix and search.upper().startswith(prefix.upper()) and rest is not None:
            query |= Q(entity_id=entity_id, number=rest)
            matched = True
    return query if matched else None


def invoices_list(
    *, search: str = "", status: str = "", entity_id: int | None = None, customer_id: int | None = None
) -> QuerySet[Invoice]:
    """The Invoices screen: search by number (with or without prefix), customer name or code, or
    reference; filter by status, entity and customer."""
    invoices = Invoice.objects.select_related("entity", "customer")
    if status:
        invoices = invoices.filter(status=status)
    if entity_id:
        invoices = invoices.filter(entity_id=entity_id)
    if customer_id:
        invoices = invoices.filter(customer_id=customer_id)
    search = search.strip()
    if search:
        query = contains(Customer, ("name", "code"), search, via="customer") | contains(Invoice, ("reference",), search)
        number = _number_query(search)
        if number is not None:
            query |= number
        invoices = invoices.filter(query)
    return invoices.order_by("-issued_on", "-number")


def invoice_for_detail(*, pk: int) -> Invoice:
    return (
        Invoice.objects.select_related("entity", "customer", "created_by", "approved_by", "cancelled_by")
        .prefetch_related(
            Prefetch("lines", queryset=InvoiceLine.objects.select_related("account", "tax_rate", "product"))
        )
        .get(pk=pk)
    )


def invoice_payments(*, invoice: Invoice) -> QuerySet[Payment]:
    """Every payment received, reversed ones included, oldest first: the history as it happened."""
    return invoice.payments.order_by("paid_on", "id")


def invoices_released() -> QuerySet[Invoice]:
    """Approved, processed or completed: the invoices eligible for Xero."""
    return Invoice.objects.filter(status__in=RELEASED)


def entities_for_filter() -> QuerySet[Entity]:
    return Entity.objects.order_by("name")
