"""The kinds of record a reconciliation compares, in one registry, so another kind (credit notes)
is one more class and one `register_kind` call, with no change to the run, the screen or the
command.

A kind reads Xero's side in pages of the largest size the endpoint allows (xero-notes §7:
Invoices, Contacts and ManualJournals page with `page` and `pageSize` up to 1000), never one
record at a time, and compares it with BMS's side. It reports how many BMS records it looked at
and one Finding per record that disagrees; agreeing records are only counted.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar

from bms.entities.models import Entity
from bms.xero.client.api import Page, XeroAccountingClient
from bms.xero.client.schemas import XeroModel
from bms.xero.models import XeroTenant
from bms.xero.reconcile.causes import Cause
from bms.xero.reconcile.models import Verdict

GONE = ("VOIDED", "DELETED")  # the statuses of a record Xero no longer counts (voided or deleted)
PAGE_SIZE = 1000  # the largest page Xero serves (xero-notes §7); larger values are clamped to it
T = TypeVar("T", bound=XeroModel)


@dataclass(frozen=True)
class Scope:
    tenant: XeroTenant
    entities: list[Entity]
    date_from: date
    date_to: date

    def where_dated(self, extra: str = "") -> str:
        """Xero's `where` for records dated inside the range (Date is an optimised filter)."""
        start, end = self.date_from, self.date_to
        dated = (f"Date>=DateTime({start.year},{start.month:02d},{start.day:02d}) AND "
                 f"Date<=DateTime({end.year},{end.month:02d},{end.day:02d})")
        return f"{extra} AND {dated}" if extra else dated


@dataclass(frozen=True)
class Finding:
    verdict: Verdict
    cause: Cause
    label: str
    message: str
    bms_id: int | None = None
    xero_id: str = ""
    dated_on: date | None = None
    bms_value: str = ""
    xero_value: str = ""


@dataclass
class KindResult:
    compared: int = 0  # BMS records looked at
    xero_read: int = 0  # Xero records read
    findings: list[Finding] = field(default_factory=list)
    reread_xero_ids: set[str] = field(default_factory=set)  # what an incremental pass looked at again
    reread_bms_ids: set[int] = field(default_factory=set)  # BMS records whose Xero copy was read


class ReconcileKind(ABC):
    name: ClassVar[str]  # "invoice": stored on each row
    title: ClassVar[str]  # "Invoices": shown on the screen

    @abstractmethod
    def run(self, *, client: XeroAccountingClient, scope: Scope, since: datetime | None) -> KindResult:
        """Read Xero's side (only what changed since `since`, when given) and compare it with BMS's."""


KINDS: dict[str, ReconcileKind] = {}


def register_kind(kind: ReconcileKind) -> ReconcileKind:
    KINDS[kind.name] = kind
    return kind


def read_pages(fetch: Callable[[int], Page[T]]) -> list[T]:
    """Every page of a paged list: stops at Xero's pageCount (or a short page when Xero gives none),
    so a list of exactly 1000 costs one call, not two."""
    items: list[T] = []
    page = 1
    while True:
        result = fetch(page)
        items += result.items
        count = result.pagination.page_count if result.pagination is not None else None
        if (count is not None and page >= count) or (count is None and len(result.items) < PAGE_SIZE):
            return items
        page += 1


def money_text(value: Any) -> str:
    return "—" if value is None else f"{value:,.2f}"
