"""What BMS may not change in credit because of what Xero holds (PRODUCT.md §3.8, §3.9).

Credit never crosses the go-live line.

Documents dated before the entity's go-live date are history kept in BMS; the rest are Xero's. An
allocation between one of each could never reach Xero: Xero does not hold one of its two documents.
Made in BMS anyway, BMS's invoice (or credit left) would fall and Xero's would not, and the
reconciliation would show a difference no repair can clear. So BMS refuses it, saying what to do
instead; billing asks through `credit_allocation_check` (it never imports bms.xero).

A refund Xero holds is Xero's: reversed in BMS only, Xero would still show the money paid back and
less credit left. It is deleted in Xero, and the pull reverses it in BMS (`refund_reverse_check`).
"""

from __future__ import annotations

from bms.billing.models import CreditNote, Invoice, Refund
from bms.preferences.selectors import xero_is_active
from bms.xero.models import CreditNoteLink, InvoiceLink, LinkStatus, RefundLink, RefundSendLink
from bms.xero.services.go_live import credit_note_go_live_verdict, go_live_dates, go_live_verdict


def allocation_refusal(*, credit_note: CreditNote, invoice: Invoice, **_: object) -> str | None:
    if not xero_is_active():
        return None
    go_live_on = go_live_dates(entity_ids=[credit_note.entity_id])[credit_note.entity_id]
    if go_live_on is None:
        return None
    # One Xero already holds is Xero's, whatever its date says.
    note_history = (credit_note_go_live_verdict(credit_note, go_live_on) is not None
                    and not CreditNoteLink.objects.filter(credit_note=credit_note, xero_id__isnull=False).exists())
    invoice_history = (go_live_verdict(go_live_on=go_live_on, dated=invoice.issued_on) is not None
                       and not InvoiceLink.objects.filter(invoice=invoice, xero_id__isnull=False).exists())
    cn, inv = credit_note.display_number, invoice.display_number
    if invoice_history and not note_history:
        return (f"Invoice {inv} is dated {invoice.issued_on:%d/%m/%Y}, before {go_live_on:%d/%m/%Y}, the date this "
                f"entity sends documents to Xero from: it is history, not in Xero, so credit note {cn}, which goes "
                "to Xero, can't be allocated to it there, and the two sets of books would disagree. Allocate the "
                f"credit to an invoice dated on or after {go_live_on:%d/%m/%Y}, or refund it.")
    if note_history and not invoice_history:
        return (f"Credit note {cn} is history kept in BMS (before the go-live date {go_live_on:%d/%m/%Y}), not in "
                f"Xero, so it can't be allocated to invoice {inv}, which goes to Xero: Xero would still show the "
                f"invoice owing it. Refund the credit, or credit invoice {inv} with a credit note of its own.")
    return None


def refund_reverse_refusal(*, refund: Refund, **_: object) -> str | None:
    if not xero_is_active():
        return None
    cn = refund.credit_note.display_number
    if RefundLink.objects.filter(refund=refund, is_deleted_in_xero=False).exists():
        return (f"Xero holds this refund of {refund.amount} (a payment on credit note {cn}): delete that payment in "
                "Xero, and the next pull reverses the refund here. Reversed only in BMS, Xero would still show "
                "the money paid back.")
    if RefundSendLink.objects.filter(refund=refund, status__in=[LinkStatus.SENDING, LinkStatus.UNCERTAIN]).exists():
        return (f"This refund is on its way to Xero with credit note {cn}: once the push has finished, delete it "
                "in Xero if it was a mistake, and the next pull reverses it here.")
    return None


def connect_signals() -> None:
    from bms.billing.signals import credit_allocation_check, refund_reverse_check

    credit_allocation_check.connect(allocation_refusal, dispatch_uid="xero.credit_history")
    refund_reverse_check.connect(refund_reverse_refusal, dispatch_uid="xero.refund_held_by_xero")
