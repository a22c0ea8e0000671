"""Customers: every change goes through here (the Customers screens, the demo data, the Xero contact sync)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from bms.core.errors import DomainError
from bms.customers.models import Customer

# --- customers --------------------------------------------------------------------------------

_CUSTOMER_FIELDS = {
    field.name for field in Customer._meta.get_fields()
    if getattr(field, "editable", False) and not field.auto_created and field.name not in ("created_at", "updated_at")
}


def _save_customer(customer: Customer) -> Customer:
    try:
        customer.full_clean()
    except ValidationError as exc:
        # Surface the first problem on its field, the way a form would.
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from exc
    customer.save()
    return customer


def _clean_customer_fields(fields: dict) -> dict:
    unknown = set(fields) - _CUSTOMER_FIELDS
    if unknown:
        raise TypeError(f"unexpected customer fields {sorted(unknown)}")
    return {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}


def _refuse_duplicate_code(code: str, *, exclude_pk: int | None = None) -> None:
    # Case-insensitive: Xero matches ContactNumber without regard to case, so C001 and c001
    # would link to the same Xero contact.
    if Customer.objects.filter(code__iexact=code).exclude(pk=exclude_pk).exists():
        raise DomainError(f"Customer code {code} is already used.", field="code")


def customer_create(*, code: str, name: str, **fields) -> Customer:
    fields = _clean_customer_fields({"code": code, "name": name, **fields})
    _refuse_duplicate_code(fields["code"])
    return _save_customer(Customer(**fields))


def customer_update(*, customer: Customer, **fields) -> Customer:
    fields = _clean_customer_fields(fields)
    if "code" in fields:
        _refuse_duplicate_code(fields["code"], exclude_pk=customer.pk)
    for name, value in fields.items():
        setattr(customer, name, value)
    return _save_customer(customer)
