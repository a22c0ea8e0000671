"""Billing: every change to invoices, credit notes and payments goes through here (customers: bms.customers.services).

The invoice lifecycle is one table (TRANSITIONS) and one guard (`_transition`); totals are always
rebuilt from lines rounded the way Xero rounds (bms/core/money.py); the balance follows payments
and, for credits Xero applies, `invoice_set_balance`. Views and the Xero integration call these
functions; nothing else writes an invoice's status, totals or balance.
"""

from bms.billing.services.credit_notes import (
    CreditNoteLineData,
    credit_allocate,
    credit_allocation_reverse,
    credit_note_can_become,
    credit_note_cancel,
    credit_note_create_from_invoice,
    credit_note_create_standalone,
    credit_note_mark_processed,
    credit_note_record_from_xero,
    credit_note_release,
    credit_note_update,
    credit_notes_mark_processed,
    invoice_correct,
    refund_record,
    refund_reverse,
)
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
    "CreditNoteLineData",
    "InvoiceLineData",
    "credit_allocate",
    "credit_allocation_reverse",
    "credit_note_can_become",
    "credit_note_cancel",
    "credit_note_create_from_invoice",
    "credit_note_create_standalone",
    "credit_note_mark_processed",
    "credit_note_record_from_xero",
    "credit_note_release",
    "credit_note_update",
    "credit_notes_mark_processed",
    "invoice_approve",
    "invoice_can_become",
    "invoice_cancel",
    "invoice_correct",
    "invoice_create",
    "invoice_mark_processed",
    "invoice_set_balance",
    "invoice_update_draft",
    "invoices_mark_processed",
    "payment_record",
    "payment_reverse",
    "payment_set_source_details",
    "refund_record",
    "refund_reverse",
]
