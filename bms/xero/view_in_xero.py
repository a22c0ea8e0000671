"""Deep links into Xero ("View in Xero"), per xero-notes §6.3."""

from django.conf import settings


def contact_url(short_code: str, contact_id: str) -> str:
    return f"{settings.XERO_WEB_URL}/app/{short_code}/contacts/contact/{contact_id}"


def invoice_url(short_code: str, invoice_id: str) -> str:
    return f"{settings.XERO_WEB_URL}/app/{short_code}/invoicing/view/{invoice_id}"


def credit_note_url(short_code: str, credit_note_id: str) -> str:
    # Xero's classic credit note page, through the short-code login (xero-notes §6.3, DEEP's form).
    # A sales credit note (ACCRECCREDIT, all BMS sends) opens under /AccountsReceivable/: Xero's own MCP
    # server linked every credit note under /AccountsPayable/ and Xero shows "Sorry, something went wrong"
    # for a sales one there (github.com/XeroAPI/xero-mcp-server/issues/100; fixed by pull/291).
    return (f"{settings.XERO_WEB_URL}/organisationlogin/default.aspx?shortcode={short_code}"
            f"&redirecturl=/AccountsReceivable/ViewCreditNote.aspx?creditNoteID={credit_note_id}")


def journal_url(short_code: str, journal_id: str) -> str:
    # Manual journals have no short-code deep link; Xero opens them in the user's current organisation.
    return f"{settings.XERO_WEB_URL}/Journal/View.aspx?invoiceID={journal_id}"
