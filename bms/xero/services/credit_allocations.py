"""Credit allocated in BMS → Xero (issue 19 item 3), exactly once, after its credit note is in Xero.

Each allocation is one `PUT /CreditNotes/{id}/Allocations` (Xero takes no batch across credit notes),
in the engine's three steps: the intent (link `sending`, a deterministic Idempotency-Key) committed
before the call, the call, the outcome. Xero's allocation carries no reference of ours, so after an
uncertain outcome (a lost answer, a 5xx) the credit note's own Allocations are read back from Xero
before anything is sent again (`landed_as`, the pull's rule too): one with the same invoice, amount
and date that no link holds and that the credit note did not already hold when ours was sent (the
intent keeps that list) is taken as ours; when more match than BMS allocations await them, one was
made in Xero by hand and nothing tells them apart, so the allocation is held with what to do.
An allocation reversed in BMS is removed in Xero with `DELETE …/Allocations/{AllocationID}`; Xero
reads no Idempotency-Key on DELETE, but a DELETE sent twice is harmless (the second finds nothing,
and the credit note is read to be sure).

Removals go before the credit notes are pushed (a void needs them gone), new allocations after.
`credit_not_in_xero` tells the payments pull what Xero's AmountDue does not include yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from bms.billing.models import CreditAllocation, CreditSource
from bms.core.money import ZERO
from bms.xero.auth.incidents import connection_refused
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.errors import AuthError, RetryableError, UncertainError, ValidationError
from bms.xero.client.schemas import InvoiceRef
from bms.xero.client.schemas_credit import Allocation
from bms.xero.models import CreditAllocationLink, CreditNoteLink, InvoiceLink, LinkStatus, XeroTenant
from bms.xero.selectors import entities_for_tenant
from bms.xero.sync.keys import record_key
from bms.xero.sync.log import SyncLog, SyncOutcome, record_ref

MAYBE_LANDED = (LinkStatus.SENDING, LinkStatus.UNCERTAIN)
CAUSE_NOT_SENT = "allocation before go-live — not sent"
CAUSE_AMBIGUOUS = "allocation not told apart from one made in Xero"


def allocations_due(tenant: XeroTenant, *, include_failed: bool = False) -> QuerySet[CreditAllocation]:
    """Allocations made in BMS on the tenant's entities that Xero lacks, and reversed ones Xero may
    still hold."""
    links = CreditAllocationLink.objects.filter(tenant=tenant, allocation=OuterRef("pk"))
    done = [LinkStatus.SYNCED, LinkStatus.BEFORE_GO_LIVE] + ([] if include_failed else [LinkStatus.FAILED])
    to_send = Q(reversed_at__isnull=True) & ~Exists(links.filter(status__in=done))
    in_xero = links.filter(Q(xero_id__isnull=False, removed_at__isnull=True) | Q(status__in=MAYBE_LANDED))
    if not include_failed:
        in_xero = in_xero.exclude(status=LinkStatus.FAILED)
    to_remove = Q(reversed_at__isnull=False) & Exists(in_xero)
    mine = CreditAllocation.objects.filter(source=CreditSource.BMS, credit_note__entity__in=entities_for_tenant(tenant))
    return mine.filter(to_send | to_remove).order_by("pk")


def credit_not_in_xero(*, tenant: XeroTenant, invoice_id: int) -> Decimal:
    """What BMS credits on this invoice that Xero's AmountDue does not include: BMS allocations not in
    Xero yet, less reversed ones Xero still holds. The pull takes it off Xero's AmountDue, so a pulled
    balance neither undoes a BMS credit on its way nor counts one twice once Xero has it."""
    allocations = CreditAllocation.objects.filter(invoice_id=invoice_id, source=CreditSource.BMS)
    in_xero = Exists(CreditAllocationLink.objects.filter(tenant=tenant, allocation=OuterRef("pk"),
                                                         xero_id__isnull=False, removed_at__isnull=True))
    unsent = allocations.filter(reversed_at__isnull=True).exclude(in_xero).aggregate(s=Sum("amount"))["s"] or ZERO
    taken_back = allocations.filter(reversed_at__isnull=False).filter(in_xero).aggregate(s=Sum("amount"))["s"] or ZERO
    return unsent - taken_back


def landed_as(tenant: XeroTenant, link: CreditAllocationLink, allocation: CreditAllocation, live: Sequence[Allocation],
              invoice_xero_id: str, *, taken: frozenset[str] = frozenset()) -> str | None:
    """Which of its credit note's live allocations in Xero is this BMS allocation, sent with no answer
    back: its AllocationID, "" when none is (it did not land), None when BMS cannot tell.

    BMS allocations awaiting an answer with the same credit note, invoice, amount and date are alike,
    so while there are no more candidates (`landed_candidates`) than them this one takes the first in
    Xero's order (a twin linked before it holds its own; `taken`, those its twins take first). More
    candidates than awaiting allocations mean one was made in Xero by hand, and nothing Xero shows
    of it tells it from ours: no guess."""
    candidates = landed_candidates(tenant, link, allocation, live, invoice_xero_id, taken=taken)
    if not candidates:
        return ""
    return candidates[0] if len(candidates) <= awaiting_twins(tenant, allocation) - len(taken) else None


def landed_candidates(tenant: XeroTenant, link: CreditAllocationLink, allocation: CreditAllocation,
                      live: Sequence[Allocation], invoice_xero_id: str, *,
                      taken: frozenset[str] = frozenset()) -> list[str]:
    """The live allocations that may be this one: its invoice, amount and date, held by no link
    (another BMS allocation's, or one the pull recorded as made in Xero), not on the credit note when
    this one was sent, not in `taken`."""
    ids = [found.allocation_id for found in live if found.allocation_id]
    claimed = set(CreditAllocationLink.objects.filter(tenant=tenant, xero_id__in=ids).exclude(pk=link.pk)
                  .values_list("xero_id", flat=True)) | set(link.allocations_before or []) | taken
    return [found.allocation_id for found in live
            if found.allocation_id and found.allocation_id not in claimed and found.invoice is not None
            and found.invoice.invoice_id == invoice_xero_id and found.amount == allocation.amount
            and found.date == allocation.allocated_on]


def awaiting_twins(tenant: XeroTenant, allocation: CreditAllocation) -> int:
    """BMS allocations like this one (credit note, invoice, amount, date) sent with no answer back yet."""
    return CreditAllocationLink.objects.filter(
        tenant=tenant, status__in=MAYBE_LANDED, xero_id__isnull=True, allocation__source=CreditSource.BMS,
        allocation__credit_note_id=allocation.credit_note_id, allocation__invoice_id=allocation.invoice_id,
        allocation__amount=allocation.amount, allocation__allocated_on=allocation.allocated_on).count()


class _AllocationRun:
    def __init__(self, *, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog,
                 allocations: list[CreditAllocation]):
        self.tenant, self.client, self.log, self.outcome = tenant, client, log, SyncOutcome()
        CreditAllocationLink.objects.bulk_create(
            [CreditAllocationLink(tenant=tenant, allocation=a) for a in allocations], ignore_conflicts=True)
        self.links = {link.allocation_id: link for link in CreditAllocationLink.objects.filter(
            tenant=tenant, allocation__in=allocations)}
        self.notes = {link.credit_note_id: link for link in CreditNoteLink.objects.filter(
            tenant=tenant, credit_note_id__in={a.credit_note_id for a in allocations})}
        self.invoices = {link.invoice_id: link for link in InvoiceLink.objects.filter(
            tenant=tenant, invoice_id__in={a.invoice_id for a in allocations})}
        self.held_by_note: dict[str, set[str]] = {}  # credit note's Xero id → its AllocationIDs, as last read

    def label(self, allocation: CreditAllocation) -> str:
        return (f"Allocation of {allocation.amount} from credit note {allocation.credit_note.display_number} to "
                f"invoice {allocation.invoice.display_number}")

    def _save(self, link: CreditAllocationLink, **fields: object) -> None:
        for name, value in fields.items():
            setattr(link, name, value)
        CreditAllocationLink.objects.filter(pk=link.pk).update(updated_at=timezone.now(), **fields)

    def _fail(self, allocation: CreditAllocation, link: CreditAllocationLink, message: str) -> None:
        self._save(link, status=LinkStatus.FAILED, last_error=message, error_cause=message[:255])
        self.outcome.failed += 1
        self.log.error(message, record=self.label(allocation), cause=message[:255],
                       ref=record_ref("credit_note", allocation.credit_note_id))

    def _ends(self, allocation: CreditAllocation, link: CreditAllocationLink) -> tuple[str, str] | None:
        """The credit note's and the invoice's Xero ids, or None (said why) when one is not in Xero."""
        note, invoice = self.notes.get(allocation.credit_note_id), self.invoices.get(allocation.invoice_id)
        for document, doc_link in (("credit note", note), ("invoice", invoice)):
            if doc_link is not None and doc_link.xero_id:
                continue
            if doc_link is not None and doc_link.status == LinkStatus.BEFORE_GO_LIVE:
                self._save(link, status=LinkStatus.BEFORE_GO_LIVE, last_error=(
                    f"Before go-live — not sent: its {document} is history kept in BMS, not in Xero."),
                    error_cause=CAUSE_NOT_SENT)
                self.outcome.before_go_live += 1
            else:
                self.outcome.parked += 1
                self.log.info(f"Waits for its {document} to reach Xero.", record=self.label(allocation))
            return None
        assert note is not None and invoice is not None and note.xero_id and invoice.xero_id
        return note.xero_id, invoice.xero_id

    def _read(self, credit_note_id: str) -> list[Allocation]:
        note = self.client.get_credit_note(credit_note_id)
        live = note.live_allocations if note is not None else []
        self.held_by_note[credit_note_id] = {found.allocation_id for found in live if found.allocation_id}
        return live

    def find(self, allocation: CreditAllocation, link: CreditAllocationLink, ends: tuple[str, str]) -> str | None:
        """The AllocationID of ours in the credit note's Allocations in Xero; "" when there is none;
        None when BMS cannot tell it from one made in Xero by hand (held, said what to do)."""
        found = landed_as(self.tenant, link, allocation, self._read(ends[0]), ends[1])
        if found is None:
            message = (
                f"Not sent again: Xero's credit note {allocation.credit_note.display_number} holds more allocations of "
                f"{allocation.amount} to invoice {allocation.invoice.display_number} dated "
                f"{allocation.allocated_on:%d/%m/%Y} than BMS sent, so one was made in Xero by hand and BMS cannot "
                "tell which is its own (Xero's answer to BMS's was lost). In Xero, remove the allocations made by "
                "hand on that credit note, then Sync Credit Note with Xero; allocate them again in Xero after it if "
                "they are wanted (BMS then records them as made in Xero).")
            self._save(link, last_error=message, error_cause=CAUSE_AMBIGUOUS)
            self.outcome.failed += 1
            self.log.error(message, record=self.label(allocation), cause=CAUSE_AMBIGUOUS,
                           ref=record_ref("credit_note", allocation.credit_note_id))
        return found

    def _landed(self, allocation: CreditAllocation, link: CreditAllocationLink, allocation_id: str) -> None:
        self._save(link, status=LinkStatus.SYNCED, xero_id=allocation_id, last_pushed_at=timezone.now(),
                   last_error="", error_cause="")
        self.held_by_note.setdefault(self.notes[allocation.credit_note_id].xero_id or "", set()).add(allocation_id)
        self.outcome.created += 1

    def send(self, allocation: CreditAllocation) -> None:
        link = self.links[allocation.pk]
        ends = self._ends(allocation, link)
        if ends is None:
            return
        if link.status in MAYBE_LANDED:
            found = self.find(allocation, link, ends)
            if found is None:
                return  # held: a person tells them apart in Xero
            if found:
                self._landed(allocation, link, found)
                return
        if link.status in MAYBE_LANDED or link.status == LinkStatus.FAILED:
            link.key_epoch += 1  # a fresh key: Xero must not answer from what it cached for the old one
        key = record_key(xero_tenant_id=self.tenant.xero_tenant_id, kind="allocation", record_id=allocation.pk,
                         revision=0, epoch=link.key_epoch, link_id=link.pk)
        held = self.held_by_note[ends[0]] if ends[0] in self.held_by_note else {
            a.allocation_id for a in self._read(ends[0]) if a.allocation_id}
        self._save(link, status=LinkStatus.SENDING, idempotency_key=key, key_epoch=link.key_epoch,
                   attempts=link.attempts + 1, allocations_before=sorted(held))  # the intent, before the call
        element = Allocation(invoice=InvoiceRef(invoice_id=ends[1]), amount=allocation.amount,
                             date=allocation.allocated_on)
        try:
            result = self.client.create_credit_note_allocation(ends[0], element, idempotency_key=key)
        except UncertainError as exc:
            self._save(link, status=LinkStatus.UNCERTAIN, last_error=exc.message)
            found = self.find(allocation, link, ends)  # usually it landed: read the credit note now
            if found:
                self._landed(allocation, link, found)
            return
        except (RetryableError, AuthError) as exc:
            self._save(link, status=LinkStatus.PENDING)  # nothing landed: sent again later
            if isinstance(exc, AuthError):
                connection_refused(refusal=exc.refusal, tenant=self.tenant)
            raise
        except ValidationError as exc:
            self._fail(allocation, link, f"Xero: {exc.message}")
            return
        if result.is_error or not result.allocation_id:
            self._fail(allocation, link, "Xero: " + ("; ".join(result.error_messages) or "the allocation was refused"))
        else:
            self._landed(allocation, link, result.allocation_id)

    def remove(self, allocation: CreditAllocation) -> None:
        link = self.links[allocation.pk]
        ends = self._ends(allocation, link)
        if ends is None:
            return
        if not link.xero_id:
            found = self.find(allocation, link, ends) if link.status in MAYBE_LANDED else ""
            if found is None:
                return  # held: removing the wrong one would take away one made in Xero by hand
            if not found:  # it never reached Xero: nothing to remove
                self._save(link, status=LinkStatus.SYNCED, removed_at=timezone.now(), last_error="")
                return
            self._save(link, xero_id=found)
        try:
            self.client.delete_credit_note_allocations(ends[0], link.xero_id or "")
        except ValidationError as exc:
            self._fail(allocation, link, f"Xero refused to remove it: {exc.message}")
            return
        except AuthError as exc:
            connection_refused(refusal=exc.refusal, tenant=self.tenant)
            raise
        note = self.client.get_credit_note(ends[0])  # gone now, whether this DELETE or a lost earlier one did it
        if note is not None and any(a.allocation_id == link.xero_id for a in note.live_allocations):
            self._fail(allocation, link, "Xero still shows this allocation after removing it: remove it in Xero.")
            return
        self._save(link, status=LinkStatus.SYNCED, removed_at=timezone.now(), last_error="", error_cause="")
        self.outcome.updated += 1
        self.log.info("Removed in Xero.", record=self.label(allocation))


def credit_allocations_push(*, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog, removals: bool,
                            include_failed: bool = False, held: dict[str, set[str]] | None = None) -> SyncOutcome:
    """Send the due allocations (`removals=False`) or remove the reversed ones (`removals=True`).
    `held`: the AllocationIDs on credit notes as Xero's answer to their write in this run showed them
    (the others are read before their first allocation is sent)."""
    due = allocations_due(tenant, include_failed=include_failed).filter(reversed_at__isnull=not removals)
    allocations = list(due.select_related("credit_note__entity", "invoice__entity"))
    if not allocations:
        return SyncOutcome()
    run = _AllocationRun(tenant=tenant, client=client, log=log, allocations=allocations)
    run.held_by_note.update({note_id: set(ids) for note_id, ids in (held or {}).items()})
    for allocation in allocations:
        (run.remove if removals else run.send)(allocation)
    return run.outcome
