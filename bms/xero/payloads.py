"""Pure builders: BMS rows → Xero request elements. No database writes, no HTTP."""

from __future__ import annotations

from bms.billing.models import CreditNote as BillingCreditNote
from bms.billing.models import Invoice as BillingInvoice
from bms.customers.models import Customer
from bms.xero.client.schemas import (
    Address,
    Bill,
    Contact,
    ContactRef,
    Invoice,
    LineItem,
    PaymentTerm,
    Phone,
    Tracking,
)
from bms.xero.client.schemas_credit import CreditNote


def _address(kind: str, line1: str, line2: str, city: str, region: str, postcode: str, country: str) -> Address | None:
    if not any((line1, line2, city, region, postcode, country)):
        return None
    return Address(
        address_type=kind,
        address_line1=line1 or None,
        address_line2=line2 or None,
        city=city or None,
        region=region or None,
        postal_code=postcode or None,
        country=country or None,
    )


def contact_payload(customer: Customer, *, contact_id: str | None = None) -> Contact:
    """Name, code (ContactNumber), email, phone, postal and street address, tax number, sales terms."""
    addresses = [
        address
        for address in (
            # Xero prints the POBOX (postal) address on invoices.
            _address("POBOX", customer.postal_address_line1, customer.postal_address_line2, customer.postal_city,
                     customer.postal_region, customer.postal_postcode, customer.postal_country),
            _address("STREET", customer.street_address_line1, customer.street_address_line2, customer.street_city,
                     customer.street_region, customer.street_postcode, customer.street_country),
        )
        if address is not None
    ]
    terms = customer.payment_terms
    return Contact(
        contact_id=contact_id,
        name=customer.name,
        contact_number=customer.code,
        email_address=customer.email or None,
        tax_number=customer.tax_number or None,
        addresses=addresses or None,
        phones=[Phone(phone_type="DEFAULT", phone_number=customer.phone)] if customer.phone else None,
        payment_terms=PaymentTerm(sales=Bill(day=terms.day, type=terms.term_type)) if terms else None,
    )


def invoice_payload(
    invoice: BillingInvoice,
    *,
    contact_id: str,
    status: str,
    tracking: list[Tracking],
    invoice_id: str | None = None,
    line_item_ids: dict[str, str] | None = None,
    url: str | None = None,
    zero_rate_tax_type: str = "",
) -> Invoice:
    """A Xero ACCREC invoice. Lines carry their Xero LineItemID when known: an update without them
    would delete and recreate Xero's lines (xero-notes trap 5). Every line carries its TaxType: a
    line without a BMS tax rate goes with the organisation's zero-rate type, since a line without
    one is given the account's default tax by Xero (GST on Income: BMS 200.00, Xero 220.00)."""
    lines = _lines(invoice, tracking=tracking, line_item_ids=line_item_ids, zero_rate_tax_type=zero_rate_tax_type)
    return Invoice(
        type="ACCREC",
        invoice_id=invoice_id,
        # Contact by ID only: contact fields inside an invoice would update the contact.
        contact=ContactRef(contact_id=contact_id),
        invoice_number=invoice.display_number,
        reference=invoice.reference or None,
        date=invoice.issued_on,
        due_date=invoice.due_on,
        currency_code=invoice.currency,
        line_amount_types=invoice.line_amount_type,
        status=status,
        line_items=lines,
        url=url,
    )


def _lines(document: BillingInvoice | BillingCreditNote, *, tracking: list[Tracking],
           line_item_ids: dict[str, str] | None, zero_rate_tax_type: str) -> list[LineItem]:
    line_item_ids = line_item_ids or {}
    return [
        LineItem(
            line_item_id=line_item_ids.get(str(line.pk)),
            description=line.description,
            quantity=line.quantity,
            unit_amount=line.unit_price,
            account_code=line.account.code,
            tax_type=line.tax_rate.xero_tax_type if line.tax_rate is not None else (zero_rate_tax_type or None),
            tracking=tracking or None,
        )
        for line in document.lines.all()
    ]


def credit_note_payload(
    credit_note: BillingCreditNote, *, contact_id: str, tracking: list[Tracking], credit_note_id: str | None = None,
    line_item_ids: dict[str, str] | None = None, zero_rate_tax_type: str = "",
) -> CreditNote:
    """A Xero ACCRECCREDIT credit note, AUTHORISED (credit can only be allocated from an approved
    one), its lines and tax as an invoice's. Its allocation is not in it: Xero ignores allocations
    sent inside a credit note; they go with PUT /CreditNotes/{id}/Allocations."""
    return CreditNote(
        type="ACCRECCREDIT",
        credit_note_id=credit_note_id,
        contact=ContactRef(contact_id=contact_id),
        credit_note_number=credit_note.display_number,
        reference=credit_note.reference or None,
        date=credit_note.issued_on,
        currency_code=credit_note.currency,
        line_amount_types=credit_note.line_amount_type,
        status="AUTHORISED",
        line_items=_lines(credit_note, tracking=tracking, line_item_ids=line_item_ids,
                          zero_rate_tax_type=zero_rate_tax_type),
    )


def credit_note_void(*, credit_note_id: str) -> CreditNote:
    """Cancelling in BMS a credit note Xero holds: voided there (refused while credit is used)."""
    return CreditNote(credit_note_id=credit_note_id, status="VOIDED")


def invoice_cancellation(*, invoice_id: str, status_in_xero: str) -> Invoice:
    """Cancelling in BMS: a draft or submitted Xero invoice is deleted, an approved one voided (Xero
    refuses to void an invoice with payments; the refusal is shown on the record)."""
    return Invoice(invoice_id=invoice_id, status="DELETED" if status_in_xero in ("DRAFT", "SUBMITTED") else "VOIDED")
