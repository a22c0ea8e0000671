"""Pure builders: BMS rows → Xero request elements. No database writes, no HTTP."""

from __future__ import annotations

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


def _address(kind: str, line1: str, line2: str, city: str, region: str, postcode: str, country: str) -> Address | None:
    if not any((line1, line2, city, region, postcode, country)):
        return None
    return Address(
        AddressType=kind,
        AddressLine1=line1 or None,
        AddressLine2=line2 or None,
        City=city or None,
        Region=region or None,
        PostalCode=postcode or None,
        Country=country or None,
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
        ContactID=contact_id,
        Name=customer.name,
        ContactNumber=customer.code,
        EmailAddress=customer.email or None,
        TaxNumber=customer.tax_number or None,
        Addresses=addresses or None,
        Phones=[Phone(PhoneType="DEFAULT", PhoneNumber=customer.phone)] if customer.phone else None,
        PaymentTerms=PaymentTerm(Sales=Bill(Day=terms.day, Type=terms.term_type)) if terms else None,
    )


def entity_tracking(entity, settings_row) -> list[Tracking]:
    """The entity's tracking options (e.g. Region: Sydney), for every category that has a name."""
    pairs = (
        (settings_row.tracking_category_1_name, entity.tracking_option_1),
        (settings_row.tracking_category_2_name, entity.tracking_option_2),
    )
    return [Tracking(Name=name, Option=option) for name, option in pairs if name and option]


def invoice_payload(
    invoice: BillingInvoice,
    *,
    contact_id: str,
    status: str,
    tracking: list[Tracking],
    invoice_id: str | None = None,
    line_item_ids: dict[str, str] | None = None,
    url: str | None = None,
) -> Invoice:
    """A Xero ACCREC invoice. Lines carry their Xero LineItemID when known: an update without them
    would delete and recreate Xero's lines (xero-notes trap 5)."""
    line_item_ids = line_item_ids or {}
    lines = [
        LineItem(
            LineItemID=line_item_ids.get(str(line.pk)),
            Description=line.description,
            Quantity=line.quantity,
            UnitAmount=line.unit_price,
            AccountCode=line.account.code,
            TaxType=line.tax_rate.xero_tax_type if line.tax_rate_id else None,
            Tracking=tracking or None,
        )
        for line in invoice.lines.all()
    ]
    return Invoice(
        Type="ACCREC",
        InvoiceID=invoice_id,
        # Contact by ID only: contact fields inside an invoice would update the contact.
        Contact=ContactRef(ContactID=contact_id),
        InvoiceNumber=invoice.display_number,
        Reference=invoice.reference or None,
        Date=invoice.issued_on,
        DueDate=invoice.due_on,
        CurrencyCode=invoice.currency,
        LineAmountTypes=invoice.line_amount_type,
        Status=status,
        LineItems=lines,
        Url=url,
    )


def invoice_cancellation(*, invoice_id: str, status_in_xero: str) -> Invoice:
    """Cancelling in BMS: a draft or submitted Xero invoice is deleted, an approved one voided (Xero
    refuses to void an invoice with payments; the refusal is shown on the record)."""
    return Invoice(InvoiceID=invoice_id, Status="DELETED" if status_in_xero in ("DRAFT", "SUBMITTED") else "VOIDED")
