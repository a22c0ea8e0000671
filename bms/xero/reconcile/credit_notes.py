"""Credit notes (issue 19 item 5): every credit note linked to the organisation (sent by BMS, or made
in Xero and pulled) dated in the range, beside Xero's ACCRECCREDIT credit notes of the same dates,
read in pages. Compared: status (cancelled in BMS, voided in Xero), TotalTax, Total and SubTotal, and
the credit left (Xero's RemainingCredit against BMS's, which its allocations and refunds set).

One cause per record, in the order a person fixes them: missing → status → tax → totals → credit left."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from bms.billing.models import CreditNote, CreditNoteStatus
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas_credit import CreditNote as XeroCreditNote
from bms.xero.models import CreditNoteLink
from bms.xero.reconcile.causes import Cause
from bms.xero.reconcile.models import Verdict
from bms.xero.reconcile.registry import (
    GONE,
    PAGE_SIZE,
    Finding,
    KindResult,
    ReconcileKind,
    Scope,
    money_text,
    read_pages,
    register_kind,
)


def _differ(cause: Cause, note: CreditNote, xero: XeroCreditNote, message: str, bms: str, theirs: str) -> Finding:
    return Finding(verdict=Verdict.DIFFER, cause=cause, label=note.display_number, message=message,
                   bms_id=note.pk, dated_on=note.issued_on, xero_id=xero.credit_note_id or "", bms_value=bms,
                   xero_value=theirs)


def credit_note_compare(note: CreditNote, xero: XeroCreditNote) -> Finding | None:
    """The one thing to fix about this credit note, or None when BMS and Xero agree."""
    number, status = note.display_number, xero.status or ""
    cancelled = note.status == CreditNoteStatus.CANCELLED
    if cancelled != (status in GONE):
        ours = note.get_status_display()
        return _differ(Cause.STATUS, note, xero, f"Credit note {number} is {ours} in BMS but {status} in Xero.",
                       ours, status)
    if cancelled:
        return None
    for cause, field, amount, word in ((Cause.TAX, "total_tax", note.tax_amount, "tax"),
                                       (Cause.TOTALS, "total", note.total_amount, "total"),
                                       (Cause.TOTALS, "sub_total", note.subtotal_amount, "subtotal")):
        theirs = getattr(xero, field)
        if theirs is not None and Decimal(theirs) != amount:
            return _differ(cause, note, xero, f"Xero's {word} for credit note {number} is {money_text(theirs)}, "
                           f"BMS's {money_text(amount)}.", money_text(amount), money_text(theirs))
    if xero.remaining_credit is not None and Decimal(xero.remaining_credit) != note.remaining_credit:
        return _differ(Cause.CREDIT_LEFT, note, xero, f"Xero says {money_text(xero.remaining_credit)} of credit note "
                       f"{number} is left, BMS {money_text(note.remaining_credit)}.", money_text(note.remaining_credit),
                       money_text(xero.remaining_credit))
    return None


class CreditNoteKind(ReconcileKind):
    name = "credit_note"
    title = "Credit notes"

    def run(self, *, client: XeroAccountingClient, scope: Scope, since: datetime | None) -> KindResult:
        where = scope.where_dated('Type=="ACCRECCREDIT"')
        read = read_pages(lambda page: client.get_credit_notes(where=where, page=page, page_size=PAGE_SIZE,
                                                               if_modified_since=since))
        xero = {item.credit_note_id: item for item in read if item.credit_note_id}
        links = (CreditNoteLink.objects.filter(tenant=scope.tenant, xero_id__isnull=False,
                                               credit_note__entity__in=scope.entities,
                                               credit_note__issued_on__range=(scope.date_from, scope.date_to))
                 .select_related("credit_note__entity"))
        result = KindResult(xero_read=len(read), reread_xero_ids=set(xero))
        linked: set[str] = set()
        for link in links:
            note = link.credit_note
            linked.add(link.xero_id or "")
            result.compared += 1
            theirs = xero.get(link.xero_id or "")
            if theirs is None:
                if since is None:  # an incremental read only sees what changed: absence proves nothing
                    result.findings.append(Finding(
                        verdict=Verdict.ONLY_BMS, cause=Cause.MISSING_IN_XERO, label=note.display_number,
                        bms_id=note.pk, xero_id=link.xero_id or "", dated_on=note.issued_on,
                        bms_value=money_text(note.total_amount), xero_value="—",
                        message=f"Credit note {note.display_number} was sent, but Xero has none with its id."))
                continue
            result.reread_bms_ids.add(note.pk)
            finding = credit_note_compare(note, theirs)
            if finding is not None:
                result.findings.append(finding)
        prefixes = tuple(entity.credit_note_number_prefix for entity in scope.entities)
        result.findings += [
            Finding(verdict=Verdict.ONLY_XERO, cause=Cause.MISSING_IN_BMS, label=item.credit_note_number or "",
                    xero_id=item.credit_note_id or "", dated_on=item.date, bms_value="—",
                    xero_value=money_text(item.total),
                    message=f"Xero holds credit note {item.credit_note_number} ({item.status}), numbered like a BMS "
                            "credit note, but no BMS credit note is linked to it.")
            for item in read
            if item.credit_note_id not in linked and (item.status or "") not in GONE and prefixes
            and (item.credit_note_number or "").startswith(prefixes)]
        return result


register_kind(CreditNoteKind())
