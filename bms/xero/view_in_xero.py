"""Deep links into Xero ("View in Xero"), per xero-notes §6.3."""

from django.conf import settings


def contact_url(short_code: str, contact_id: str) -> str:
    return f"{settings.XERO_WEB_URL}/app/{short_code}/contacts/contact/{contact_id}"


def invoice_url(short_code: str, invoice_id: str) -> str:
    return f"{settings.XERO_WEB_URL}/app/{short_code}/invoicing/view/{invoice_id}"


def journal_url(short_code: str, journal_id: str) -> str:
    # Manual journals have no short-code deep link; Xero opens them in the user's current organisation.
    return f"{settings.XERO_WEB_URL}/Journal/View.aspx?invoiceID={journal_id}"
