"""Pure builders: BMS rows → Xero request elements. No database writes, no HTTP."""

from __future__ import annotations

from bms.billing.models import Customer
from bms.xero.client.schemas import Address, Bill, Contact, PaymentTerm, Phone


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
