"""Going live (PRODUCT.md §3.8): the checks every push adapter's pre-send check calls, pure given
what was read beforehand (the entity's connection, the organisation's confirmed tax types), so
that "Check against Xero" can ask the same questions without writing anything.

- Nothing dated before the entity's go-live date is sent: it is history, kept in BMS untouched.
- Every line carries an explicit TaxType. A BMS line without a tax rate goes with the
  organisation's zero-rate tax type confirmed on Connect; without one, Xero would fill the line
  from the account's default tax (GST on Income: BMS 200.00, Xero 220.00), so the record is held.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.utils import timezone

from bms.billing.models import CreditNote
from bms.core.tz import trading_day
from bms.entities.models import Entity
from bms.entities.selectors import entity_time_zone
from bms.xero.models import EntityXeroConnection, XeroTenant
from bms.xero.sync.verdicts import Verdict

CAUSE_BEFORE_GO_LIVE = "before go-live — not sent"
CAUSE_NO_ZERO_RATE = "no zero-rate tax type chosen"
CAUSE_NO_JOURNAL_TAX = "no journal tax type chosen"


def default_go_live_on(*, entity: Entity, now: datetime | None = None) -> date:
    """The first day of the current month in the entity's zone: a month is the period finance teams
    close, so the books in Xero start on a period boundary, and this month's documents (made while
    the connection was being set up) still go."""
    today = trading_day(now or timezone.now(), entity_time_zone(entity))
    return today.replace(day=1)


def go_live_dates(*, entity_ids: Iterable[int]) -> dict[int, date | None]:
    """Each entity's go-live date: its own connection's, else its organisation's — a branch with no
    link of its own (or one that inherits without a date) posts through its organisation, whose books
    start on the organisation's date (found by the first-day scenario: the branch's history was sent)."""
    ids = set(entity_ids)
    parents = dict(Entity.objects.filter(pk__in=ids).values_list("pk", "organisation_id"))
    dates = dict(EntityXeroConnection.objects.filter(entity_id__in=ids | {p for p in parents.values() if p})
                 .values_list("entity_id", "go_live_on"))
    return {pk: dates.get(pk) or (dates.get(parents[pk]) if parents.get(pk) else None) for pk in ids}


def go_live_verdict(*, go_live_on: date | None, dated: date) -> Verdict | None:
    """Dated before go-live: skipped, not an error (the record shows "before go-live — not sent")."""
    if go_live_on is None or dated >= go_live_on:
        return None
    return Verdict.skip(
        f"Before go-live — not sent: dated {dated:%d/%m/%Y}, before {go_live_on:%d/%m/%Y}, the date this entity "
        "sends documents from. It stays in BMS as history.", CAUSE_BEFORE_GO_LIVE)


def credit_note_go_live_verdict(credit_note: CreditNote, go_live_on: date | None) -> Verdict | None:
    """A credit note is history when it, or the invoice it credits, is dated before go-live: that
    invoice is not in Xero, so there is nothing there for the credit to correct."""
    invoice = credit_note.invoice
    if go_live_on is not None and invoice is not None and invoice.issued_on < go_live_on:
        return Verdict.skip(
            f"Before go-live — not sent: it credits invoice {invoice.display_number}, dated "
            f"{invoice.issued_on:%d/%m/%Y}, before {go_live_on:%d/%m/%Y}, the date this entity sends documents "
            "from; that invoice is not in Xero. The credit note stays in BMS as history.", CAUSE_BEFORE_GO_LIVE)
    return go_live_verdict(go_live_on=go_live_on, dated=credit_note.issued_on)


def zero_rate_verdict(*, tenant: XeroTenant, has_untaxed_lines: bool) -> Verdict | None:
    """An invoice with a line without a tax rate needs the organisation's zero-rate tax type."""
    if not has_untaxed_lines or tenant.zero_rate_tax_type:
        return None
    return Verdict.fail(
        f"Not sent: a line has no tax rate and no zero-rate tax type is chosen for {tenant.name}, so Xero would "
        "apply the account's default tax. Choose the zero-rate tax type on Connect Xero Organisation (Admin → "
        "Entities), then sync again.", CAUSE_NO_ZERO_RATE)


def journal_tax_verdict(*, tenant: XeroTenant) -> Verdict | None:
    if tenant.journal_tax_type:
        return None
    return Verdict.fail(
        f"Not sent: no tax type for journals is chosen for {tenant.name}, so Xero would apply each account's "
        "default tax. Choose it on Connect Xero Organisation (Admin → Entities), then press Push now.",
        CAUSE_NO_JOURNAL_TAX)
