"""What Xero holds of each allocation and refund of a credit note, for its page's tables.

One read per table whatever its length (a LEFT JOIN from the allocations, or refunds, to their
links), each row said in words a finance admin acts on: "In Xero", "Waiting to be sent",
"Failed: <what Xero or BMS said>", "Held: <what to do>" for an allocation the look-up rule cannot
tell from one made in Xero by hand (services/credit_allocations.py `landed_as`), "Before go-live —
not sent", "Removed in Xero" once Xero confirmed a reversed one gone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bms.billing.models import CreditAllocation, CreditNote, CreditSource, Refund
from bms.xero.models import LinkStatus
from bms.xero.services.credit_allocations import CAUSE_AMBIGUOUS
from bms.xero.services.go_live import credit_note_go_live_verdict, go_live_dates

NOT_SENT = "Not sent: reversed in BMS before it reached Xero"


@dataclass(frozen=True)
class XeroState:
    """`text` as shown; `problem` when someone must act (shown as an error)."""

    text: str
    problem: bool = False
    in_xero: bool = False  # Xero holds it: undone there, not in BMS


BEFORE_GO_LIVE = XeroState(LinkStatus.BEFORE_GO_LIVE.label)
IN_XERO, WAITING, REMOVED = (XeroState("In Xero", in_xero=True), XeroState("Waiting to be sent"),
                             XeroState("Removed in Xero"))


def _sent_state(*, status: str, last_error: str, error_cause: str, reversed_at: datetime | None) -> XeroState:
    """From a send link: its status and its message."""
    if status == LinkStatus.SYNCED:
        return IN_XERO
    if status == LinkStatus.FAILED:
        return XeroState(f"Failed: {last_error or 'Xero refused it'}", problem=True)
    if status == LinkStatus.UNCERTAIN and error_cause == CAUSE_AMBIGUOUS:
        return XeroState(f"Held: {last_error}", problem=True)
    if status == LinkStatus.PARKED:
        return XeroState(last_error or LinkStatus.PARKED.label, problem=True)  # "Waiting: <cause> <fix>"
    if status == LinkStatus.BEFORE_GO_LIVE:
        return BEFORE_GO_LIVE
    if status == LinkStatus.PENDING:
        return XeroState(NOT_SENT) if reversed_at else WAITING
    return XeroState(LinkStatus(status).label)  # sending, checking Xero after a lost answer


def _latest(rows: Iterable[Mapping[str, Any]], stamp: str) -> dict[int, Mapping[str, Any]]:
    """One row per record: the one whose link changed last (a record has one link per organisation)."""
    chosen: dict[int, Mapping[str, Any]] = {}
    for row in rows:
        held = chosen.get(row["pk"])
        if held is None or (row[stamp] is not None and (held[stamp] is None or row[stamp] > held[stamp])):
            chosen[row["pk"]] = row
    return chosen


class _History:
    """Whether a credit note, or an invoice by its date, is history before go-live: what the push will
    say of a record no push has looked at yet (rather than "Waiting to be sent")."""

    def __init__(self, credit_note: CreditNote):
        self.go_live_on = go_live_dates(entity_ids=[credit_note.entity_id])[credit_note.entity_id]
        self.credit_note = (self.go_live_on is not None
                            and credit_note_go_live_verdict(credit_note, self.go_live_on) is not None
                            and not credit_note.xero_links.filter(xero_id__isnull=False).exists())

    def invoice(self, issued_on: date) -> bool:
        return self.go_live_on is not None and issued_on < self.go_live_on


def allocation_states(credit_note: CreditNote, history: _History) -> dict[int, XeroState]:
    """Each allocation of the credit note (reversed ones too), by id."""
    rows = CreditAllocation.objects.filter(credit_note=credit_note).values(
        "pk", "reversed_at", "invoice__issued_on", "xero_links__status", "xero_links__last_error",
        "xero_links__error_cause", "xero_links__xero_id", "xero_links__removed_at", "xero_links__updated_at")
    states: dict[int, XeroState] = {}
    for pk, row in _latest(rows, "xero_links__updated_at").items():
        status, reversed_at = row["xero_links__status"], row["reversed_at"]
        if status is None:  # no push has looked at it yet
            if history.credit_note or history.invoice(row["invoice__issued_on"]):
                states[pk] = BEFORE_GO_LIVE
            else:
                states[pk] = XeroState(NOT_SENT) if reversed_at else WAITING
        elif row["xero_links__removed_at"] is not None:  # Xero confirmed it gone, or it never got there
            states[pk] = REMOVED if row["xero_links__xero_id"] else XeroState(NOT_SENT)
        elif reversed_at and status == LinkStatus.SYNCED:  # the next push removes it
            states[pk] = XeroState("In Xero — removed with the next push")
        else:
            states[pk] = _sent_state(status=status, last_error=row["xero_links__last_error"],
                                     error_cause=row["xero_links__error_cause"], reversed_at=reversed_at)
    return states


def refund_states(credit_note: CreditNote, history: _History) -> dict[int, XeroState]:
    """Each refund of the credit note, by id: one Xero holds has a RefundLink (made there, or sent
    and confirmed); one entered in BMS before its credit note was sent has its send link."""
    rows = Refund.objects.filter(credit_note=credit_note).values(
        "pk", "source", "reversed_at", "xero_links__is_deleted_in_xero", "xero_send_links__status",
        "xero_send_links__last_error", "xero_send_links__error_cause", "xero_send_links__updated_at")
    states: dict[int, XeroState] = {}
    for pk, row in _latest(rows, "xero_send_links__updated_at").items():
        deleted, status, reversed_at = row["xero_links__is_deleted_in_xero"], row["xero_send_links__status"], \
            row["reversed_at"]
        if deleted is not None:
            states[pk] = REMOVED if deleted else IN_XERO
        elif status is None and history.credit_note:
            states[pk] = BEFORE_GO_LIVE
        elif status is None:
            states[pk] = XeroState(NOT_SENT) if reversed_at and row["source"] == CreditSource.BMS else WAITING
        else:
            states[pk] = _sent_state(status=status, last_error=row["xero_send_links__last_error"],
                                     error_cause=row["xero_send_links__error_cause"], reversed_at=reversed_at)
    return states


def credit_use_states(credit_note: CreditNote) -> dict[str, Any]:
    """Both tables' states, with the go-live facts read once for the two; and the refunds Xero holds
    (undone in Xero, the pull reverses them here: no Reverse beside them)."""
    history = _History(credit_note)
    refunds = refund_states(credit_note, history)
    return {"allocations": allocation_states(credit_note, history), "refunds": refunds,
            "refunds_in_xero": {pk for pk, state in refunds.items() if state.in_xero}}
