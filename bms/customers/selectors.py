"""Reads for the Customers screens and for other apps."""

from django.db.models import QuerySet

from bms.core.search import contains
from bms.customers.models import Customer


def customers_list(*, search: str = "") -> QuerySet[Customer]:
    customers = Customer.objects.select_related("payment_terms")
    search = search.strip()
    if search:
        customers = customers.filter(contains(Customer, ("code", "name", "email"), search))
    return customers.order_by("name", "code")


def customer_for_detail(*, pk: int) -> Customer:
    return Customer.objects.select_related("payment_terms").get(pk=pk)
