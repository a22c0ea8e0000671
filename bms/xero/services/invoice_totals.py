"""After every invoice write, Xero's SubTotal, TotalTax and Total (from the PUT/POST answer) are
compared with BMS's (PRODUCT.md §3.8): delivery is not enough, the books must agree. A difference
holds the invoice as DIFFERS with both figures, not Processed; Xero's copy stays as written."""

from __future__ import annotations

from decimal import Decimal

from bms.billing.models import CreditNote, Invoice
from bms.xero.client.schemas import Invoice as XeroInvoice
from bms.xero.client.schemas_credit import CreditNote as XeroCreditNote

CAUSE_TOTALS_DIFFER = "Xero's total differs from BMS's"


def first_total_differing(document: Invoice | CreditNote, xero: XeroInvoice | XeroCreditNote
                          ) -> tuple[str, Decimal, Decimal] | None:
    """The first of total, tax and subtotal where Xero's figure is not BMS's: (its word, Xero's, BMS's)."""
    for label, theirs, ours in (("total", xero.total, document.total_amount),
                                ("tax", xero.total_tax, document.tax_amount),
                                ("subtotal", xero.sub_total, document.subtotal_amount)):
        if theirs is not None and Decimal(theirs) != ours:
            return label, Decimal(theirs), ours
    return None


def totals_difference(invoice: Invoice | CreditNote, xero: XeroInvoice | XeroCreditNote) -> str:
    """"" when Xero's figures are BMS's, else a sentence naming the first one that differs (for an
    invoice or a credit note: the same three figures)."""
    document = "credit note" if isinstance(invoice, CreditNote) else "invoice"
    differing = first_total_differing(invoice, xero)
    if differing is None:
        return ""
    label, theirs, ours = differing
    return (f"Xero's {label} {theirs:.2f} differs from BMS's {ours:.2f}: the {document} is in Xero as "
            "written but not marked Processed. Compare the lines' tax in Xero with BMS, then void it in Xero "
            "and re-send it after the fix, or cancel it in BMS (Admin → Reconciliation).")
