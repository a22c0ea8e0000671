"""Nightly cost-of-sales journals (PRODUCT.md §3.6).

One journal per entity and trading day: every dispatch line shipped that day (in the entity's time
zone) makes one posting — debit Cost, credit Stock, one row shown as those two lines — at the cost
captured when it shipped, on the product's accounts or the defaults. The rows are written by
INSERT … SELECT: a build of a million lines never holds them in Python.

Corrections never rewrite a journal. What has been journaled for a dispatch line is the sum of its
postings; when a dispatch changed during the day being built (cancelled, a quantity corrected, or
shipped with an earlier date than the journal already built) and that sum no longer matches, its
postings are reversed and, if it still stands, posted again at its current values — in this day's
journal, the day of the change.

A run of days (a catch-up, or the first run) is built set-based: the days' journals are created
together, then one statement posts the whole run's dispatches, each into its day's journal, one
finds the corrections of every day, and one sums the lines — a handful of statements per entity,
whatever the number of days (journal_sql.py). It gives exactly what building the days one by one,
oldest first, gives (see journal_sql.changed_lines_sql for why the corrections do).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import groupby

from django.db import IntegrityError, connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from bms.cogs import journal_sql as sql
from bms.cogs.models import CostOfSalesJournal, JournalCursor, JournalStatus
from bms.core.errors import DomainError
from bms.core.money import ZERO, money_from_db
from bms.core.tz import day_bounds_utc, trading_day
from bms.entities.models import Entity
from bms.entities.selectors import entity_time_zone
from bms.ledger.selectors import account_defaults
from bms.preferences.selectors import general_settings
from bms.stock.models import Dispatch, DispatchLine, Product

ACTIVE = sql.ACTIVE
CHUNK = 500  # ids per IN (…) list: well inside SQLite's and PostgreSQL's parameter limits
RUN_DAYS = 366  # days per set-based build: three parameters a day stay far inside SQLite's 32,766


def _missing_accounts(entity: Entity, start: datetime, end: datetime, context) -> None:
    """A clear message, naming the products, instead of a database error when neither the product
    nor the defaults give an account."""
    lines = Product.objects.filter(
        dispatch_lines__dispatch__entity=entity, dispatch_lines__dispatch__shipped_at__gte=start,
        dispatch_lines__dispatch__shipped_at__lt=end, dispatch_lines__dispatch__status__in=ACTIVE,
    )
    for role, default in (("Cost", context.cost_account_id), ("Stock", context.stock_account_id)):
        if default is not None:
            continue
        skus = sorted(set(lines.filter(**{f"{role.lower()}_account__isnull": True}).values_list("sku", flat=True)))
        if skus:
            shown = ", ".join(skus[:10]) + (f" and {len(skus) - 10} more" if len(skus) > 10 else "")
            raise DomainError(
                f"No {role} account for {shown}: choose the {role} account in Admin → Accounts → Settings (or on "
                f"each product), then build again."
            )


@dataclass(frozen=True)
class _Context:
    """What every day of one entity's build reads: read once per run, not once per day."""

    tz_name: str
    cost_account_id: int | None
    stock_account_id: int | None
    prefix: str

    @classmethod
    def read(cls, entity: Entity) -> _Context:
        defaults = account_defaults()
        return cls(tz_name=entity_time_zone(entity), cost_account_id=defaults.cost_account_id,
                   stock_account_id=defaults.stock_account_id, prefix=general_settings().journal_description_prefix)


def journal_build_for_day(*, entity: Entity, day: date, now: datetime | None = None,
                          _context: _Context | None = None) -> CostOfSalesJournal | None:
    """Build `entity`'s journal for trading day `day`; None when the day has nothing to journal.

    A journal that exists already is returned as it is: (entity, day) is unique in the database, so
    two builders racing for the same day make one journal, and a built (or pushed) journal is never
    rebuilt. A day that has not ended in the entity's time zone is refused."""
    now = now or timezone.now()
    context = _context or _Context.read(entity)
    if day >= trading_day(now, context.tz_name):
        raise DomainError(f"{day:%d/%m/%Y} has not ended yet in {entity.name}'s time zone ({context.tz_name}); "
                          f"its journal is built after midnight.")
    if _context is None:  # a catch-up knows from its cursor that the day is not built; the constraint still holds
        existing = CostOfSalesJournal.objects.filter(entity=entity, journaled_on=day).first()
        if existing is not None:
            return existing
    _missing_accounts(entity, *day_bounds_utc(day, context.tz_name), context)
    try:
        with transaction.atomic():
            built = _build_days(entity, [day], context)
    except IntegrityError:
        # Another builder made this day's journal first (the unique (entity, day) constraint).
        existing = CostOfSalesJournal.objects.filter(entity=entity, journaled_on=day).first()
        if existing is None:
            raise
        return existing
    return built[0] if built else None


def _build_days(entity: Entity, days: list[date], context: _Context) -> list[CostOfSalesJournal]:
    """Build the journals of `days` (consecutive, none built yet, each ended) in a handful of
    statements; returns those with lines, oldest first. Raises IntegrityError when another builder
    made one of them first: the caller rolls back and goes day by day."""
    journals = CostOfSalesJournal.objects.bulk_create(
        CostOfSalesJournal(entity=entity, journaled_on=day, description=f"{context.prefix} {day:%d/%m/%Y}")
        for day in days)
    bounds = [(journal.pk, *day_bounds_utc(journal.journaled_on, context.tz_name)) for journal in journals]
    cte, day_params = sql.days_cte(bounds)
    run = [entity.pk, sql.dt(bounds[0][1]), sql.dt(bounds[-1][2])]
    defaults = [context.cost_account_id, context.stock_account_id]
    ids = [journal.pk for journal in journals]
    with connection.cursor() as cursor:
        if no_jit := sql.no_jit_sql():
            cursor.execute(no_jit)
        # 1. Every dispatch of the run, into the journal of the day it shipped.
        cursor.execute(sql.new_postings_sql(cte), [*day_params, *defaults, *run])
        # 2. Corrections, each in the journal of the day of the change.
        cursor.execute(sql.changed_lines_sql(cte), [*day_params, *run])
        changed = cursor.fetchall()
        for journal_id, rows in groupby(changed, key=lambda row: row[1]):
            lines = [row[0] for row in rows]
            for first in range(0, len(lines), CHUNK):
                chunk = lines[first:first + CHUNK]
                cursor.execute(sql.reversal_sql(len(chunk)), [journal_id, *chunk])
                cursor.execute(sql.repost_sql(len(chunk)), [journal_id, *defaults, *chunk])
        # 3. The totals, and the accounts the postings name.
        cursor.execute(sql.sums_sql(len(ids)), ids)
        sums = cursor.fetchall()
    _hold_accounts({account for _journal, cost, stock, _amount in sums for account in (cost, stock)})
    # A posting is one debit line and one credit line of the same amount, whichever way it goes: a
    # journal of postings balances by construction, its debit total being its credit total.
    totals: dict[int, Decimal] = {}
    for journal_id, _cost, _stock, amount in sums:
        totals[journal_id] = totals.get(journal_id, ZERO) + money_from_db(amount)
    built = []
    for journal in journals:
        if journal.pk in totals:
            journal.debit_amount = journal.credit_amount = totals[journal.pk]
            built.append(journal)
    CostOfSalesJournal.objects.bulk_update(built, ["debit_amount", "credit_amount"])
    # A day without dispatches has no journal: the empty ones made above go again.
    CostOfSalesJournal.objects.filter(pk__in=[pk for pk in ids if pk not in totals]).delete()
    return built


def _hold_accounts(account_ids: set[int]) -> None:
    """The account keys of the postings just written, checked here once per account rather than by
    the database once per row (JournalPosting.journal says why): each must exist, and stays locked
    against deletion until the build commits, as the key's own check would keep it."""
    ids = sorted(account_ids)
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(sql.accounts_held_sql(len(ids)), ids)
        missing = set(ids) - {row[0] for row in cursor.fetchall()}
    if missing:
        raise IntegrityError(f"journal postings name accounts that do not exist: {sorted(missing)}")


def _first_day(entity: Entity, tz_name: str) -> date | None:
    first = Dispatch.objects.filter(entity=entity, shipped_at__isnull=False).aggregate(at=Min("shipped_at"))["at"]
    return trading_day(first, tz_name) if first else None


def _first_day_without_accounts(entity: Entity, first: date, last: date, context: _Context) -> date | None:
    """The first day of the run with a dispatch line neither its product nor the defaults give an
    account for: the run stops the day before, as a day-by-day build would."""
    roles = Q()
    if context.cost_account_id is None:
        roles |= Q(product__cost_account__isnull=True)
    if context.stock_account_id is None:
        roles |= Q(product__stock_account__isnull=True)
    if not roles:
        return None
    start, end = day_bounds_utc(first, context.tz_name)[0], day_bounds_utc(last, context.tz_name)[1]
    at = DispatchLine.objects.filter(
        roles, dispatch__entity=entity, dispatch__shipped_at__gte=start, dispatch__shipped_at__lt=end,
        dispatch__status__in=ACTIVE,
    ).aggregate(at=Min("dispatch__shipped_at"))["at"]
    return trading_day(at, context.tz_name) if at else None


@dataclass
class BuildOutcome:
    built: list[CostOfSalesJournal]
    days: int


def journals_build_due(*, entity: Entity, now: datetime | None = None, until: date | None = None) -> BuildOutcome:
    """Build every day of `entity` not built yet, oldest first, up to yesterday (entity time):
    nights the scheduler missed are caught up here, and a day is never built twice.

    One transaction for the run, built set-based. A day that cannot be built (no Cost account, say)
    ends the run: the days before it are kept, and the next run starts there."""
    now = now or timezone.now()
    context = _Context.read(entity)
    last = trading_day(now, context.tz_name) - timedelta(days=1)
    if until is not None:
        last = min(last, until)
    cursor = JournalCursor.objects.filter(entity=entity).first()
    start = cursor.built_through_on + timedelta(days=1) if cursor else _first_day(entity, context.tz_name)
    if start is None:  # nothing ever shipped: the run starts from here next time
        with transaction.atomic():
            _advance_cursor(entity, last)
        return BuildOutcome(built=[], days=0)
    failing = _first_day_without_accounts(entity, start, last, context) if start <= last else None
    through = failing - timedelta(days=1) if failing else last
    days = [start + timedelta(days=n) for n in range((through - start).days + 1)]
    built: list[CostOfSalesJournal] = []
    with transaction.atomic():
        for first in range(0, len(days), RUN_DAYS):
            built += _build_run(entity, days[first:first + RUN_DAYS], now, context)
        if days:
            _advance_cursor(entity, days[-1])
    if failing is not None:
        _missing_accounts(entity, *day_bounds_utc(failing, context.tz_name), context)
    return BuildOutcome(built=built, days=len(days))


def _build_run(entity: Entity, days: list[date], now: datetime, context: _Context) -> list[CostOfSalesJournal]:
    try:
        with transaction.atomic():
            return _build_days(entity, days, context)
    except IntegrityError:
        # Another builder made some of these days first: day by day, each day either builds or
        # finds the journal the other made.
        journals = (journal_build_for_day(entity=entity, day=day, now=now, _context=context) for day in days)
        return [journal for journal in journals if journal is not None]


def _advance_cursor(entity: Entity, day: date) -> None:
    if JournalCursor.objects.filter(entity=entity, built_through_on__lt=day).update(built_through_on=day):
        return
    try:
        with transaction.atomic():
            JournalCursor.objects.get_or_create(entity=entity, defaults={"built_through_on": day})
    except IntegrityError:
        pass  # a concurrent run created it; it moves on with that run


def journal_mark_pushed(*, journal: CostOfSalesJournal) -> None:
    """Xero confirmed the journal: from now on it is never rebuilt nor rewritten."""
    CostOfSalesJournal.objects.filter(pk=journal.pk).update(status=JournalStatus.POSTED, updated_at=timezone.now())


def journal_mark_held(*, journal: CostOfSalesJournal) -> None:
    """Xero can't take it as it is (a lock date, an account): held until someone acts."""
    CostOfSalesJournal.objects.filter(pk=journal.pk).exclude(status=JournalStatus.POSTED).update(
        status=JournalStatus.HELD, updated_at=timezone.now())


def journal_mark_built(*, journal: CostOfSalesJournal) -> None:
    """Held no longer: back in the queue for the next push."""
    CostOfSalesJournal.objects.filter(pk=journal.pk, status=JournalStatus.HELD).update(
        status=JournalStatus.DRAFT, updated_at=timezone.now())
