"""The demo's credit notes: a return after payment (kept as the customer's credit), a goodwill credit
for a customer, a draft part return and a cancelled one. None is allocated to an invoice, so every
demo invoice still owes what it did and the books agree with Xero before credit notes are sent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from bms.billing.models import CreditNote, Invoice, InvoiceStatus
from bms.billing.services import (
    CreditNoteLineData,
    credit_note_cancel,
    credit_note_create_from_invoice,
    credit_note_create_standalone,
    credit_note_release,
)
from bms.entities.models import Entity
from bms.ledger.models import Account, TaxRate


def seed_credit_notes(report, *, today: date) -> None:
    """Skipped when any credit note exists, so a second run changes nothing."""
    if CreditNote.objects.exists():
        return
    finance = get_user_model().objects.filter(username="finance").first()
    au = Entity.objects.get(code="AU")
    invoices = Invoice.objects.filter(entity=au).order_by("issued_on", "number")
    paid = invoices.filter(status=InvoiceStatus.COMPLETED).first()
    open_invoice = invoices.filter(status=InvoiceStatus.APPROVED).first()
    with transaction.atomic():
        if paid is not None:  # a return after payment: one of the first line back, kept as credit
            line = paid.lines.order_by("position").first()
            credit_note = credit_note_create_from_invoice(
                invoice=paid, lines=[(line, Decimal("1"))], issued_on=max(paid.issued_on, today),
                reference="RMA-1001 returned unused", user=finance)
            credit_note_release(credit_note=credit_note, user=finance)
            report.add("credit notes")
        if open_invoice is not None:  # a part return still being checked: a draft
            line = open_invoice.lines.order_by("position").first()
            credit_note_create_from_invoice(invoice=open_invoice, lines=[(line, Decimal("1"))],
                                            issued_on=max(open_invoice.issued_on, today),
                                            reference="RMA-1002 awaiting inspection", user=finance)
            report.add("credit notes")
        customer = invoices.first().customer if invoices.exists() else None
        if customer is not None:
            goodwill = [CreditNoteLineData(description="Goodwill credit: late delivery", quantity=Decimal("1"),
                                           unit_price=Decimal("150.00"), account=Account.objects.get(code="41110"),
                                           tax_rate=TaxRate.objects.get(xero_tax_type="OUTPUT"))]
            credit_note_release(credit_note=credit_note_create_standalone(
                customer=customer, entity=au, lines=goodwill, issued_on=today, currency="AUD",
                reference="Late delivery May", user=finance), user=finance)
            mistaken = credit_note_create_standalone(
                customer=customer, entity=au, lines=goodwill, issued_on=today, currency="AUD",
                reference="Entered twice", user=finance)
            credit_note_cancel(credit_note=mistaken, user=finance)
            report.add("credit notes", 2)
