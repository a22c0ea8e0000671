"""The push, previewed: what each record would meet if it were pushed now, with no write anywhere.

`preview(adapter, records)` walks the same decisions as `PushRun.run` (sync/push.py) — parked,
already current, looked up in Xero when the push would look it up, then the adapter's ONE pre-send
check, `PushKind.check` — but acts on none of them: no link row is created or changed, no
Idempotency-Key is drawn, nothing is sent. Reads of Xero (look-ups, reference data) go through the
adapter's client, which Check against Xero builds read-only, so a write cannot slip through.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import models

from bms.xero.models import LinkStatus, SyncLink
from bms.xero.sync.push import MAYBE_LANDED, PushKind
from bms.xero.sync.verdicts import Fix, Refusal, Verdict


class Outcome(StrEnum):
    """What the push would do with a record."""

    SEND = "send"  # sent to Xero (created or updated)
    LINK = "link"  # linked to the record Xero already holds, then sent as an update
    FOUND = "found"  # an earlier create landed: settled without a call
    HOLD = "hold"  # held: Xero would refuse it, or BMS cannot send it yet (a cause with a fix)
    WAIT = "wait"  # waits for something on its way (a customer's contact, a re-authentication)
    NOTHING = "nothing"  # nothing for Xero to hold (e.g. a journal netting to zero)
    HISTORY = "history"  # dated before the entity's go-live date: stays in BMS, never sent


@dataclass(frozen=True)
class Finding:
    """One record's outcome, with its message, cause and fix when it would not be sent."""

    kind: str  # the adapter's kind: "contact", "invoice", "journal"
    record_id: int
    record: str  # its label: "Invoice AU-00042"
    outcome: Outcome
    xero_id: str = ""  # the Xero record it would be linked to (LINK, FOUND) or is linked to
    message: str = ""
    cause: str = ""
    fix: Fix | None = None

    @classmethod
    def of(cls, adapter: PushKind[Any, Any], record: models.Model, link: SyncLink, outcome: Outcome,
           verdict: Verdict | None = None) -> Finding:
        return cls(kind=adapter.kind, record_id=int(record.pk), record=adapter.label(record), outcome=outcome,
                   xero_id=link.xero_id or "", message=verdict.message if verdict else "",
                   cause=verdict.cause if verdict else "", fix=verdict.fix if verdict else None)


_OUTCOMES = {"fail": Outcome.HOLD, "wait": Outcome.WAIT, "done": Outcome.NOTHING, "skip": Outcome.HISTORY}


def preview(adapter: PushKind[Any, Any], records: Sequence[models.Model], *,
            adjust: Callable[[SyncLink], None] | None = None) -> list[Finding]:
    """What a push of `records` with `adapter` would do, record by record; records Xero already
    holds as they are now are left out (the push would not send them either). `adjust` brings a
    link up to what the push would know by then (e.g. its contact's status read just now), in
    memory only."""
    links = _links_for(adapter, records)
    if adjust is not None:
        for link in links.values():
            adjust(link)
    todo = [(record, links[record.pk]) for record in records
            if links[record.pk].status == LinkStatus.PARKED or not adapter.is_current(links[record.pk], record)]
    to_look_up = [record for record, link in todo if link.status != LinkStatus.PARKED and adapter.needs_lookup(link)]
    found = adapter.lookup(to_look_up) if to_look_up else {}
    return [_finding(adapter, record, link, found.get(record.pk)) for record, link in todo]


def _links_for(adapter: PushKind[Any, Any], records: Sequence[models.Model]) -> dict[Any, SyncLink]:
    """The records' link rows, and for those without one an unsaved row as the push would create it."""
    field = adapter.record_field
    rows = adapter.link_model._default_manager.filter(
        tenant=adapter.tenant, **{f"{field}_id__in": [record.pk for record in records]})
    links: dict[Any, SyncLink] = {getattr(link, f"{field}_id"): link for link in rows}
    for record in records:
        if record.pk not in links:
            links[record.pk] = adapter.link_model(tenant=adapter.tenant, **{field: record})
    return links


def _finding(adapter: PushKind[Any, Any], record: models.Model, link: SyncLink, match: Any) -> Finding:
    if link.status == LinkStatus.PARKED:
        return Finding.of(adapter, record, link, Outcome.WAIT, Verdict.wait(
            "Waits for the Xero connection to be re-authenticated; it is sent after that.",
            "Xero connection needs re-authentication"))
    if isinstance(match, Refusal):
        return Finding.of(adapter, record, link, Outcome.HOLD, Verdict.fail(match.message, match.message))
    outcome = Outcome.SEND
    if match is not None:
        xero_id = adapter.xero_id(match)
        holders = adapter.link_model._default_manager.filter(tenant=adapter.tenant, xero_id=xero_id)
        if (holders.exclude(pk=link.pk) if link.pk else holders).exists():
            message = f"Xero {adapter.kind} {xero_id} is already linked to another BMS record."
            return Finding.of(adapter, record, link, Outcome.HOLD,
                              Verdict.fail(message, "already linked to another BMS record"))
        link = _linked_copy(link, xero_id)
        if link.status in MAYBE_LANDED:
            return Finding.of(adapter, record, link, Outcome.FOUND)
        outcome = Outcome.LINK
    verdict = adapter.check(record, link)
    if verdict is None:
        return Finding.of(adapter, record, link, outcome)
    return Finding.of(adapter, record, link, _OUTCOMES.get(verdict.action, Outcome.HOLD), verdict)


def _linked_copy(link: SyncLink, xero_id: str) -> SyncLink:
    """The link as the push would hold it after linking (in memory only: nothing is saved)."""
    copy = type(link)(**{f.attname: getattr(link, f.attname) for f in link._meta.concrete_fields})
    copy.xero_id = xero_id
    return copy
