"""Pydantic models for Xero's credit notes and their allocations (xero_accounting.yaml: CreditNote,
Allocation, Allocations). Money is Decimal, as in schemas.py; enum-like fields stay plain strings.

A credit note carries no Url (the CreditNote schema has none, unlike Invoice), and allocations sent
inside a credit note are ignored by Xero: they go through PUT /CreditNotes/{id}/Allocations.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from bms.xero.client.schemas import BatchElement, ContactRef, InvoiceRef, LineItem, XeroDate, XeroDateTime, XeroModel
from bms.xero.client.schemas import CreditNoteRef as CreditNoteRef  # a Payment (refund) names one too


def _one(value: Any) -> Any:
    """Xero's description gives the DELETE answer's Invoice as a one-element list, though its schema
    says an object: either is read."""
    return value[0] if isinstance(value, list) and value else value


class Allocation(BatchElement):
    """Credit applied to an invoice. It carries no client reference of ours: after an uncertain
    PUT, the credit note's own Allocations are what say whether it landed."""

    allocation_id: str | None = Field(default=None, alias="AllocationID")
    invoice: Annotated[InvoiceRef | None, BeforeValidator(_one)] = Field(default=None, alias="Invoice")
    credit_note: CreditNoteRef | None = Field(default=None, alias="CreditNote")
    amount: Decimal | None = Field(default=None, alias="Amount")
    date: XeroDate = Field(default=None, alias="Date")
    is_deleted: bool | None = Field(default=None, alias="IsDeleted")


class CreditNotePayment(XeroModel):
    """A refund of the credit in cash (a Payment of type ARCREDITPAYMENT), as the credit note lists it."""

    payment_id: str | None = Field(default=None, alias="PaymentID")
    amount: Decimal | None = Field(default=None, alias="Amount")
    date: XeroDate = Field(default=None, alias="Date")
    reference: str | None = Field(default=None, alias="Reference")


class CreditNote(BatchElement):
    type: str | None = Field(default=None, alias="Type")  # ACCRECCREDIT | ACCPAYCREDIT
    credit_note_id: str | None = Field(default=None, alias="CreditNoteID")
    credit_note_number: str | None = Field(default=None, alias="CreditNoteNumber")
    reference: str | None = Field(default=None, alias="Reference")
    contact: ContactRef | None = Field(default=None, alias="Contact")
    date: XeroDate = Field(default=None, alias="Date")
    status: str | None = Field(default=None, alias="Status")
    line_amount_types: str | None = Field(default=None, alias="LineAmountTypes")
    currency_code: str | None = Field(default=None, alias="CurrencyCode")
    currency_rate: Decimal | None = Field(default=None, alias="CurrencyRate")  # read only: BMS sends none
    line_items: list[LineItem] | None = Field(default=None, alias="LineItems")
    sub_total: Decimal | None = Field(default=None, alias="SubTotal")
    total_tax: Decimal | None = Field(default=None, alias="TotalTax")
    total: Decimal | None = Field(default=None, alias="Total")
    remaining_credit: Decimal | None = Field(default=None, alias="RemainingCredit")
    allocations: list[Allocation] | None = Field(default=None, alias="Allocations")
    payments: list[CreditNotePayment] | None = Field(default=None, alias="Payments")
    updated_date_utc: XeroDateTime = Field(default=None, alias="UpdatedDateUTC")

    @property
    def live_allocations(self) -> list[Allocation]:
        return [a for a in self.allocations or [] if not a.is_deleted]
