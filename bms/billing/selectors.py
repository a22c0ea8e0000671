from django.db.models import Q, QuerySet

from bms.billing.models import Customer, Invoice, InvoiceStatus


def customers_list(*, search: str = "") -> QuerySet[Customer]:
    customers = Customer.objects.select_related("payment_terms")
    if search:
        customers = customers.filter(Q(code__icontains=search) | Q(name__icontains=search) | Q(email__icontains=search))
    return customers.order_by("name")


def invoices_list(*, search: str = "", status: str = "", entity_id: int | None = None,
                  customer_id: int | None = None) -> QuerySet[Invoice]:
    invoices = Invoice.objects.select_related("entity", "customer")
    if status:
        invoices = invoices.filter(status=status)
    if entity_id:
        invoices = invoices.filter(entity_id=entity_id)
    if customer_id:
        invoices = invoices.filter(customer_id=customer_id)
    if search:
        query = Q(customer__name__icontains=search) | Q(customer__code__icontains=search) | Q(
            reference__icontains=search
        )
        digits = "".join(ch for ch in search if ch.isdigit())
        if digits:
            query |= Q(number=int(digits))
        invoices = invoices.filter(query)
    return invoices.order_by("-issued_on", "-number")


def invoices_released() -> QuerySet[Invoice]:
    return Invoice.objects.filter(
        status__in=[InvoiceStatus.APPROVED, InvoiceStatus.PROCESSED, InvoiceStatus.COMPLETED]
    )
