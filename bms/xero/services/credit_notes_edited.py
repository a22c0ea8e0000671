"""A credit note changed in Xero after BMS knew it (issue 19): what the credit notes pull
(services/credit_notes_pull.py) does with each new version Xero shows of one BMS holds.

- Made in Xero (read-only in BMS): its lines, totals, tax, date, reference, number and status
  follow Xero's — re-recorded by the billing service, its remaining credit being its total less the
  credit BMS shows used (the pull's allocations and refunds follow Xero's); voided there, cancelled.
- Sent from BMS: BMS's document is never overwritten. When Xero's totals are no longer BMS's its
  link shows Differs with both figures and the reconciliation's repairs (Re-send puts BMS's back,
  Hold keeps Xero's); when Xero's agree again, that Differs clears.

Each version is applied once. The link keeps the UpdatedDateUTC it last applied, and claiming a
newer one is a conditional UPDATE of the link's row in the pull's transaction: of two pulls at once
only one claims it, and an overlapping pull's older copy is never applied over a newer one.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from bms.billing.models import CreditNote, CreditNoteStatus, CreditSource, Invoice
from bms.billing.services import CreditNoteLineData, credit_note_record_from_xero
from bms.core.errors import DomainError
from bms.ledger.models import Account, TaxRate
from bms.xero.client.schemas_credit import CreditNote as XeroCreditNote
from bms.xero.models import CreditNoteLink, LinkStatus
from bms.xero.services.invoice_totals import first_total_differing
from bms.xero.sync.log import SyncLog, SyncOutcome

UPDATED, DIFFERING = "credit notes updated as Xero has them", "credit notes changed in Xero (Differs)"
CAUSE_CHANGED_IN_XERO = "changed in Xero: totals differ from BMS's"
_LIVE = ("AUTHORISED", "PAID")


def version_claimed(link: CreditNoteLink, note: XeroCreditNote) -> bool:
    """This pull applies this version of the credit note: False when it (or a newer one) was applied
    already, by this pull's overlap or by another pull at the same moment."""
    updated = note.updated_date_utc
    if updated is None:
        return True  # (Xero always says when; without it the comparisons below still keep it once)
    newer = Q(xero_updated_at__isnull=True) | Q(xero_updated_at__lt=updated)
    return CreditNoteLink.objects.filter(Q(pk=link.pk) & newer).update(xero_updated_at=updated) == 1


def credit_note_as_in_xero(note: XeroCreditNote, invoice: Invoice | None, credit_note: CreditNote | None, *,
                           allocated_to: Invoice | None = None) -> CreditNote:
    """Record (credit_note=None) or re-record a credit note made in Xero as Xero holds it: `invoice`,
    the one it credits (None: a credit for the customer); its entity and customer are the credit
    note's, or at first those of `allocated_to`, an invoice its credit is allocated to."""
    held = credit_note or invoice or allocated_to
    assert held is not None, "a credit note from Xero is recorded against a BMS invoice's customer"
    return credit_note_record_from_xero(
        entity=held.entity, customer=held.customer, xero_number=note.credit_note_number or "",
        issued_on=note.date or timezone.now().date(), currency=note.currency_code or held.currency,
        line_amount_type=note.line_amount_types or "Exclusive", lines=_lines(note), reference=note.reference or "",
        invoice=invoice, credit_note=credit_note, voided=note.status == "VOIDED")


def _lines(note: XeroCreditNote) -> list[CreditNoteLineData]:
    lines = []
    for item in note.line_items or []:
        account = Account.objects.filter(code=item.account_code or "").first()
        if account is None:
            raise DomainError(f"its account {item.account_code or '(none)'} is not in BMS's chart: sync the chart "
                              "of accounts, then pull again.")
        tax_rate = TaxRate.objects.filter(xero_tax_type=item.tax_type).first() if item.tax_type else None
        lines.append(CreditNoteLineData(description=item.description or "Credit", quantity=item.quantity or Decimal(1),
                                        unit_price=item.unit_amount or Decimal(0), account=account, tax_rate=tax_rate))
    return lines


def _as_recorded(credit_note: CreditNote, note: XeroCreditNote) -> bool:
    """Does BMS hold this credit note made in Xero as this version of Xero's has it?"""
    header = ((credit_note.xero_number, credit_note.issued_on, credit_note.reference, credit_note.currency,
               credit_note.line_amount_type) ==
              (note.credit_note_number or "", note.date or credit_note.issued_on, note.reference or "",
               note.currency_code or credit_note.currency, note.line_amount_types or "Exclusive"))
    ours = [(line.description, line.quantity, line.unit_price, line.account_id, line.tax_rate_id)
            for line in credit_note.lines.order_by("position", "id")]
    theirs = [(line.description, line.quantity, line.unit_price, line.account.pk,
               line.tax_rate.pk if line.tax_rate else None) for line in _lines(note)]
    return header and ours == theirs


def changes_followed(link: CreditNoteLink, credit_note: CreditNote, note: XeroCreditNote, outcome: SyncOutcome,
                     log: SyncLog) -> None:
    """Apply a newer version of a credit note BMS holds (its claim made): follow it, or compare it."""
    label = f"Credit note {credit_note.display_number}"
    if credit_note.source == CreditSource.XERO:
        if note.status not in (*_LIVE, "VOIDED"):
            return
        if note.status == "VOIDED" or not _as_recorded(credit_note, note):
            updated = credit_note_as_in_xero(note, credit_note.invoice, credit_note)
            if note.status != "VOIDED":
                outcome.add(UPDATED)
                log.info(f"Changed in Xero: updated as Xero has it, {updated.total_amount} "
                         f"({updated.tax_amount} tax).", record=label)
        return
    if credit_note.status == CreditNoteStatus.CANCELLED or note.status not in _LIVE:
        return  # a status apart is the reconciliation's (it offers its repairs)
    differing = first_total_differing(credit_note, note)
    if differing is None:
        if link.status == LinkStatus.DIFFERS and link.error_cause == CAUSE_CHANGED_IN_XERO:
            CreditNoteLink.objects.filter(pk=link.pk).update(status=LinkStatus.SYNCED, last_error="", error_cause="")
        return
    word, theirs, ours = differing
    message = (f"Changed in Xero: Xero's {word} {theirs:.2f} differs from BMS's {ours:.2f}. BMS keeps its credit "
               "note as it is. On Admin → Reconciliation, Re-send puts BMS's back in Xero (remove any credit "
               "allocated to it in Xero first), or Hold keeps Xero's as it is.")
    CreditNoteLink.objects.filter(pk=link.pk).update(status=LinkStatus.DIFFERS, last_error=message,
                                                     error_cause=CAUSE_CHANGED_IN_XERO)
    outcome.add(DIFFERING)
    log.warning(message, record=label, cause=CAUSE_CHANGED_IN_XERO)


def seen_in_xero(link: CreditNoteLink, note: XeroCreditNote) -> None:
    """What Xero holds now, kept on the link for the panel and the reconciliation."""
    CreditNoteLink.objects.filter(pk=link.pk).update(
        xero_status=note.status or link.xero_status, xero_total=note.total,
        xero_remaining_credit=note.remaining_credit, xero_number=note.credit_note_number or link.xero_number)
