"""Credit made in Xero, back into BMS (issue 19 item 4), read with the payments pull.

Sales credit notes changed since the cursor (GET /CreditNotes, Type ACCRECCREDIT, paged: pages carry
lines, Allocations and Payments) are applied one by one, each in its own savepoint, failing alone:

- a credit note made in Xero with credit allocated to a BMS invoice becomes a read-only BMS credit
  note, "made in Xero", keeping Xero's number — once per CreditNoteID (its CreditNoteLink, unique per
  tenant, is written in the same transaction: two pulls at once record it once);
- each allocation Xero holds that BMS does not (made in Xero, on any credit note BMS knows) is
  recorded against its BMS invoice, once per AllocationID (a CreditAllocationLink);
- an allocation BMS knows that Xero no longer holds (removed in Xero) is reversed in BMS;
- refunds (Payments of type ARCREDITPAYMENT on the credit note) become BMS refunds once per PaymentID
  (a RefundLink), and one deleted in Xero is reversed; one BMS sent (refunds_push.py) is the BMS
  refund it came from, counted once;
- a credit note BMS holds that Xero shows changed (edited, voided) is followed when made in Xero, and
  compared when sent from BMS (services/credit_notes_edited.py), each version once. What Xero took
  away (allocations, refunds) goes first, what it added after: Xero edits a credit note only while
  no credit of it is used.

The invoices whose credit changed are handed to the payments pull, which then sets their balance from
Xero's AmountDue (services/pull_apply.py), so the balance is Xero's whatever order the changes came in.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import count

from django.db import IntegrityError, transaction
from django.utils import timezone

from bms.billing.models import CreditNote, CreditSource, Invoice, Refund
from bms.billing.services import credit_allocate, credit_allocation_reverse, refund_record, refund_reverse
from bms.core.errors import DomainError
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas_credit import Allocation
from bms.xero.client.schemas_credit import CreditNote as XeroCreditNote
from bms.xero.models import (
    CreditAllocationLink,
    CreditNoteLink,
    InvoiceLink,
    LinkStatus,
    PullCursor,
    RefundLink,
    RefundSendLink,
    XeroTenant,
)
from bms.xero.services.credit_allocations import MAYBE_LANDED, landed_as, landed_candidates
from bms.xero.services.credit_notes_edited import (
    changes_followed,
    credit_note_as_in_xero,
    seen_in_xero,
    version_claimed,
)
from bms.xero.services.refunds_push import sent_refund_of
from bms.xero.sync.log import SyncLog, SyncOutcome

OVERLAP = timedelta(minutes=5)
PAGE_SIZE = 100
CAUSE_CREDIT_REFUSED = "BMS refused a credit note from Xero"
RECORDED, ALLOCATED, UNALLOCATED = "credit notes recorded", "allocations recorded", "allocations reversed"
REFUNDED, UNREFUNDED = "refunds recorded", "refunds reversed"


def credit_notes_pull(*, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog,
                      now: datetime | None = None) -> tuple[SyncOutcome, set[str]]:
    """Apply what changed in Xero's credit notes; the Xero InvoiceIDs whose credit changed."""
    now = now or timezone.now()
    cursor, _ = PullCursor.objects.get_or_create(tenant=tenant, resource="credit_notes")
    since = cursor.modified_since - OVERLAP if cursor.modified_since else None
    newest = cursor.modified_since
    outcome, touched = SyncOutcome(), set()
    for note in _changed(client, since):
        if note.updated_date_utc and (newest is None or note.updated_date_utc > newest):
            newest = note.updated_date_utc
        try:
            with transaction.atomic():
                touched |= _apply(tenant, note, outcome, log, now)
        except IntegrityError:
            continue  # another pull, at the same time, recorded it: once per CreditNoteID
        except DomainError as exc:
            outcome.failed += 1
            log.error(f"Credit note {note.credit_note_number} from Xero: {exc.message}",
                      record=f"Credit note {note.credit_note_number}", cause=CAUSE_CREDIT_REFUSED)
    PullCursor.objects.filter(pk=cursor.pk).update(modified_since=newest)
    if not outcome.is_empty:
        log.info(f"Credit notes pulled: {outcome.summary()}.")
    return outcome, touched


def _changed(client: XeroAccountingClient, since: datetime | None) -> Iterator[XeroCreditNote]:
    for page in count(1):
        notes = client.get_credit_notes(where='Type=="ACCRECCREDIT"', order="UpdatedDateUTC ASC", page=page,
                                        page_size=PAGE_SIZE, if_modified_since=since).items
        yield from notes
        if len(notes) < PAGE_SIZE:
            return


def _apply(tenant: XeroTenant, note: XeroCreditNote, outcome: SyncOutcome, log: SyncLog,
           now: datetime) -> set[str]:
    link = CreditNoteLink.objects.filter(tenant=tenant, xero_id=note.credit_note_id).select_related(
        "credit_note__invoice").first()
    invoices = _bms_invoices(tenant, note)
    if link is not None:
        credit_note = link.credit_note
    elif invoices and note.status in ("AUTHORISED", "PAID"):
        credit_note = credit_note_as_in_xero(note, _credited(note, invoices), None,
                                             allocated_to=next(iter(invoices.values())).invoice)
        # In the same transaction: unique per (tenant, CreditNoteID), so a second pull's copy rolls back.
        CreditNoteLink.objects.create(tenant=tenant, credit_note=credit_note, xero_id=note.credit_note_id,
                                      status=LinkStatus.SYNCED, xero_number=note.credit_note_number or "",
                                      xero_status=note.status or "", xero_total=note.total,
                                      xero_remaining_credit=note.remaining_credit,
                                      xero_updated_at=note.updated_date_utc)
        outcome.add(RECORDED)
        log.info(f"Made in Xero: recorded as a credit note of {credit_note.total_amount}.",
                 record=f"Credit note {credit_note.display_number}")
    else:
        return set()  # credit for no BMS invoice (or a draft): not BMS's to record
    touched = _allocations_removed(tenant, note, credit_note, outcome, now)
    _refunds(tenant, note, credit_note, outcome, now, removed=True)
    if link is not None:
        if version_claimed(link, note):
            changes_followed(link, credit_note, note, outcome, log)
            credit_note.refresh_from_db()
        seen_in_xero(link, note)
    touched |= _allocations_added(tenant, note, credit_note, invoices, outcome, now)
    credited = _credited(note, invoices)
    if link is not None and credit_note.source == CreditSource.XERO and note.status in ("AUTHORISED", "PAID") \
            and note.live_allocations and credited != credit_note.invoice:
        credit_note_as_in_xero(note, credited, credit_note)  # its credit now goes elsewhere, or to several
    _refunds(tenant, note, credit_note, outcome, now, removed=False)
    return touched


def _credited(note: XeroCreditNote, invoices: dict[str, InvoiceLink]) -> Invoice | None:
    """The invoice a credit note made in Xero credits: the one invoice its credit goes to. Xero has no
    such field; one allocated to several invoices (or to one BMS does not hold) is a credit for the
    customer, like a standalone one made in BMS, so no single invoice lists it as its credit note or
    counts all of it against its own total (the limit on crediting an invoice further in BMS)."""
    allocated = {a.invoice.invoice_id for a in note.live_allocations if a.invoice and a.invoice.invoice_id}
    only = next(iter(allocated)) if len(allocated) == 1 else ""
    return invoices[only].invoice if only in invoices else None


def _bms_invoices(tenant: XeroTenant, note: XeroCreditNote) -> dict[str, InvoiceLink]:
    ids = {a.invoice.invoice_id for a in note.allocations or [] if a.invoice and a.invoice.invoice_id}
    return {link.xero_id or "": link for link in InvoiceLink.objects.filter(tenant=tenant, xero_id__in=ids)
            .select_related("invoice__customer", "invoice__entity")}


def _allocations_added(tenant: XeroTenant, note: XeroCreditNote, credit_note: CreditNote,
                       invoices: dict[str, InvoiceLink], outcome: SyncOutcome, now: datetime) -> set[str]:
    touched: set[str] = set()
    known = set(CreditAllocationLink.objects.filter(tenant=tenant, allocation__credit_note=credit_note,
                                                    xero_id__isnull=False).values_list("xero_id", flat=True))
    for allocation in note.live_allocations:
        allocation_id = allocation.allocation_id or ""
        invoice_link = invoices.get(allocation.invoice.invoice_id or "" if allocation.invoice else "")
        if not allocation_id or allocation_id in known or invoice_link is None or allocation.amount is None:
            continue
        if _ours_on_its_way(tenant, note, credit_note, invoice_link, allocation):
            continue
        recorded = credit_allocate(credit_note=credit_note, invoice=invoice_link.invoice, amount=allocation.amount,
                                   on=allocation.date, source=CreditSource.XERO, now=now)
        CreditAllocationLink.objects.create(tenant=tenant, allocation=recorded, xero_id=allocation_id,
                                            status=LinkStatus.SYNCED)
        outcome.add(ALLOCATED)
        touched.add(invoice_link.xero_id or "")
    return touched


def _allocations_removed(tenant: XeroTenant, note: XeroCreditNote, credit_note: CreditNote, outcome: SyncOutcome,
                         now: datetime) -> set[str]:
    touched: set[str] = set()
    live = {a.allocation_id for a in note.live_allocations if a.allocation_id}
    known = CreditAllocationLink.objects.filter(tenant=tenant, allocation__credit_note=credit_note,
                                                xero_id__isnull=False).select_related("allocation")
    for link in known:
        if link.xero_id in live or link.removed_at is not None or link.allocation.reversed_at is not None:
            continue
        credit_allocation_reverse(allocation=link.allocation, now=now)  # removed in Xero
        CreditAllocationLink.objects.filter(pk=link.pk).update(removed_at=now)
        outcome.add(UNALLOCATED)
        touched |= {xero_id for xero_id in InvoiceLink.objects.filter(
            tenant=tenant, invoice_id=link.allocation.invoice_id).values_list("xero_id", flat=True) if xero_id}
    return touched


def _ours_on_its_way(tenant: XeroTenant, note: XeroCreditNote, credit_note: CreditNote, invoice_link: InvoiceLink,
                     allocation: Allocation) -> bool:
    """A BMS allocation whose send landed before its answer did, by the push's own rule (`landed_as`):
    linked, not recorded a second time. One that rule cannot tell from an allocation made in Xero by
    hand is neither linked nor recorded: the push holds the BMS allocation and says what to do."""
    if allocation.amount is None or allocation.date is None:
        return False
    awaiting = (CreditAllocationLink.objects.filter(
        tenant=tenant, status__in=MAYBE_LANDED, xero_id__isnull=True, allocation__credit_note=credit_note,
        allocation__invoice=invoice_link.invoice, allocation__source=CreditSource.BMS,
        allocation__amount=allocation.amount, allocation__allocated_on=allocation.date)
        .select_related("allocation").order_by("allocation_id"))
    live, invoice_id = note.live_allocations, invoice_link.xero_id or ""
    taken: frozenset[str] = frozenset()  # what the twins before each one take, in the push's order
    for link in awaiting:
        found = landed_as(tenant, link, link.allocation, live, invoice_id, taken=taken)
        if found is None:  # held by the push: skipped, unless it cannot be the BMS allocation's
            return allocation.allocation_id in landed_candidates(tenant, link, link.allocation, live, invoice_id,
                                                                 taken=taken)
        if found == allocation.allocation_id:
            CreditAllocationLink.objects.filter(pk=link.pk).update(
                xero_id=found, status=LinkStatus.SYNCED, last_error="", error_cause="", updated_at=timezone.now())
            return True
        taken |= {found} - {""}
    return False


def _refunds(tenant: XeroTenant, note: XeroCreditNote, credit_note: CreditNote, outcome: SyncOutcome,
             now: datetime, *, removed: bool) -> None:
    """Refunds deleted in Xero reversed (`removed`), or refunds made in Xero recorded."""
    current = {p.payment_id: p for p in note.payments or [] if p.payment_id}
    known = {link.xero_payment_id: link for link in RefundLink.objects.filter(
        tenant=tenant, refund__credit_note=credit_note).select_related("refund")}
    if removed:
        for payment_id, link in known.items():
            if payment_id not in current and not link.is_deleted_in_xero:
                refund_reverse(refund=link.refund, now=now, source=CreditSource.XERO)
                RefundLink.objects.filter(pk=link.pk).update(is_deleted_in_xero=True)
                outcome.add(UNREFUNDED)
        return
    for payment_id, payment in current.items():
        if payment_id in known or payment.amount is None:
            continue
        if _ours_sent(tenant, credit_note, payment_id, payment.reference):
            continue
        refund = refund_record(credit_note=credit_note, amount=payment.amount, paid_on=payment.date or now.date(),
                               reference=payment.reference or "", source=CreditSource.XERO, now=now)
        RefundLink.objects.create(tenant=tenant, xero_payment_id=payment_id, refund=refund)
        outcome.add(REFUNDED)


def _ours_sent(tenant: XeroTenant, credit_note: CreditNote, payment_id: str, reference: str | None) -> bool:
    """A BMS refund the push sent (refunds_push.py), seen before the push linked it (its answer was
    lost): recognised by the reference it carries and linked, not recorded a second time."""
    mine = sent_refund_of(Refund.objects.filter(credit_note=credit_note, source=CreditSource.BMS), reference)
    if mine is None:
        return False
    RefundLink.objects.create(tenant=tenant, xero_payment_id=payment_id, refund=mine)
    RefundSendLink.objects.filter(tenant=tenant, refund=mine, xero_id__isnull=True).update(
        xero_id=payment_id, status=LinkStatus.SYNCED, last_error="", error_cause="")
    return True
