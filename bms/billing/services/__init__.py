"""Billing: every change to invoices and payments goes through here (customers: bms.customers.services).

The invoice lifecycle is one table (TRANSITIONS) and one guard (`_transition`); totals are always
rebuilt from lines rounded the way Xero rounds (bms/core/money.py); the balance follows payments
and, for credits Xero applies, `invoice_set_balance`. Views and the Xero integration call these
functions; nothing else writes an invoice's status, totals or balance.
"""

from bms.billing.services.invoices import (
    TRANSITIONS,
    InvoiceLineData,
    invoice_approve,
    invoice_can_become,
    invoice_cancel,
    invoice_create,
    invoice_mark_processed,
    invoice_update_draft,
    invoices_mark_processed,
)
from bms.billing.services.payments import (
    invoice_set_balance,
    payment_record,
    payment_reverse,
    payment_set_source_details,
)

__all__ = [
    "TRANSITIONS",
    "InvoiceLineData",
    "invoice_approve",
    "invoice_can_become",
    "invoice_cancel",
    "invoice_create",
    "invoice_mark_processed",
    "invoice_set_balance",
    "invoice_update_draft",
    "invoices_mark_processed",
    "payment_record",
    "payment_reverse",
    "payment_set_source_details",
]
