"""Nightly cost-of-sales journals (PRODUCT.md §3.6).

One journal per entity and trading day: every dispatch line shipped that day (in the entity's time
zone) posts a pair of lines, debit Cost and credit Stock, at the cost captured when it shipped, on
the product's accounts or the defaults. The rows are written by INSERT … SELECT: a build of a
million lines never holds them in Python.

Corrections never rewrite a journal. What has been journaled for a dispatch line is the sum of its
postings; when a dispatch changed during the day being built (cancelled, a quantity corrected, or
shipped with an earlier date than the journal already built) and that sum no longer matches, its
postings are reversed and, if it still stands, posted again at its current values — in this day's
journal, the day of the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Min
from django.utils import timezone

from bms.core.errors import DomainError
from bms.core.tz import day_bounds_utc, trading_day
from bms.entities.models import Entity
from bms.entities.selectors import entity_time_zone
from bms.ledger.models import CostOfSalesJournal, JournalCursor, JournalLine, JournalStatus
from bms.ledger.selectors import account_defaults
from bms.preferences.selectors import general_settings
from bms.stock.models import Dispatch, DispatchLine, DispatchStatus, Product

ACTIVE = (DispatchStatus.SHIPPED.value, DispatchStatus.COMPLETED.value)
CHUNK = 500  # ids per IN (…) list: well inside SQLite's and PostgreSQL's parameter limits


class _NothingToJournal(Exception):
    """Raised inside the build's transaction to undo the empty journal row."""


@dataclass(frozen=True)
class _Tables:
    line: str = JournalLine._meta.db_table
    dispatch: str = Dispatch._meta.db_table
    dispatch_line: str = DispatchLine._meta.db_table
    product: str = Product._meta.db_table


T = _Tables()


def _amount_sql() -> str:
    """quantity × unit cost, rounded to the cent half-up (as Xero rounds each line)."""
    cost = "COALESCE(dl.unit_cost, p.unit_cost)"
    if connection.vendor == "postgresql":
        return f"ROUND(dl.quantity * {cost}, 2)"  # numeric: exact, and half away from zero
    # SQLite keeps decimals as binary floats, where 2.675 is 2.67499…: multiply in whole
    # ten-thousandths and round half-up in integers, so the cent is the one Xero computes.
    return (f"((CAST(ROUND(dl.quantity * 10000) AS INTEGER) * CAST(ROUND({cost} * 10000) AS INTEGER) + 500000)"
            f" / 1000000) / 100.0")


def _dt(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _posting_sql(where: str) -> str:
    """Both sides of every dispatch line selected by `where`, the pair kept together."""
    amount = _amount_sql()
    return f"""
        INSERT INTO {T.line} (journal_id, account_id, product_id, dispatch_line_id, dispatch_reference, quantity,
                              unit_cost, debit_amount, credit_amount, is_reversal)
        SELECT %s, CASE WHEN s.side = 0 THEN COALESCE(p.cost_account_id, %s) ELSE COALESCE(p.stock_account_id, %s) END,
               dl.product_id, dl.id, d.reference, dl.quantity, COALESCE(dl.unit_cost, p.unit_cost),
               CASE WHEN s.side = 0 THEN {amount} ELSE 0 END, CASE WHEN s.side = 1 THEN {amount} ELSE 0 END, %s
        FROM {T.dispatch_line} dl
        JOIN {T.dispatch} d ON d.id = dl.dispatch_id
        JOIN {T.product} p ON p.id = dl.product_id
        CROSS JOIN (SELECT 0 AS side UNION ALL SELECT 1 AS side) s
        WHERE d.status IN ('{ACTIVE[0]}', '{ACTIVE[1]}') AND {where}
        ORDER BY dl.id, s.side
    """  # noqa: S608 — table names and fixed fragments only; every value is a parameter


def _changed_lines_sql() -> str:
    """Lines of dispatches changed during the day whose postings no longer match what they are now."""
    amount = _amount_sql()
    signed = "CASE WHEN j.is_reversal THEN -1 ELSE 1 END"
    return f"""
        SELECT dl.id
        FROM {T.dispatch} d
        JOIN {T.dispatch_line} dl ON dl.dispatch_id = d.id
        JOIN {T.product} p ON p.id = dl.product_id
        LEFT JOIN (
            SELECT j.dispatch_line_id AS line_id, SUM({signed} * j.quantity) / 2.0 AS q,
                   SUM({signed} * (j.debit_amount + j.credit_amount)) / 2.0 AS a
            FROM {T.line} j
            JOIN {T.dispatch_line} dl2 ON dl2.id = j.dispatch_line_id
            JOIN {T.dispatch} d2 ON d2.id = dl2.dispatch_id
            WHERE d2.entity_id = %s AND d2.updated_at >= %s AND d2.updated_at < %s AND d2.shipped_at < %s
            GROUP BY j.dispatch_line_id
        ) posted ON posted.line_id = dl.id
        WHERE d.entity_id = %s AND d.updated_at >= %s AND d.updated_at < %s
          -- Shipped during the day itself: step 1 has just posted it as it is now (or, cancelled, not at all).
          AND d.shipped_at IS NOT NULL AND d.shipped_at < %s
          AND (ABS(COALESCE(posted.q, 0)
                   - CASE WHEN d.status IN ('{ACTIVE[0]}', '{ACTIVE[1]}') THEN dl.quantity ELSE 0 END) > 0.00001
               OR ABS(COALESCE(posted.a, 0)
                   - CASE WHEN d.status IN ('{ACTIVE[0]}', '{ACTIVE[1]}') THEN {amount} ELSE 0 END) > 0.001)
        ORDER BY dl.id
    """  # noqa: S608


_REVERSAL_SQL = f"""
    INSERT INTO {T.line} (journal_id, account_id, product_id, dispatch_line_id, dispatch_reference, quantity,
                          unit_cost, debit_amount, credit_amount, is_reversal)
    SELECT %s, j.account_id, MAX(j.product_id), j.dispatch_line_id, MAX(j.dispatch_reference),
           SUM(CASE WHEN j.is_reversal THEN -j.quantity ELSE j.quantity END), MAX(j.unit_cost),
           CASE WHEN SUM(j.credit_amount - j.debit_amount) > 0 THEN ROUND(SUM(j.credit_amount - j.debit_amount), 2)
                ELSE 0 END,
           CASE WHEN SUM(j.debit_amount - j.credit_amount) > 0 THEN ROUND(SUM(j.debit_amount - j.credit_amount), 2)
                ELSE 0 END,
           %s
    FROM {T.line} j
    WHERE j.dispatch_line_id IN ({{ids}})
    GROUP BY j.dispatch_line_id, j.account_id
    HAVING ABS(SUM(j.debit_amount - j.credit_amount)) > 0.001
    ORDER BY j.dispatch_line_id, MIN(j.id)
"""  # noqa: S608


# The header's totals from its lines, in the same round trip that stores them.
_TOTALS_SQL = f"""
    UPDATE {CostOfSalesJournal._meta.db_table} SET
        debit_amount = (SELECT ROUND(COALESCE(SUM(debit_amount), 0), 2) FROM {T.line} WHERE journal_id = %s),
        credit_amount = (SELECT ROUND(COALESCE(SUM(credit_amount), 0), 2) FROM {T.line} WHERE journal_id = %s)
    WHERE id = %s
    RETURNING debit_amount, credit_amount
"""  # noqa: S608
_NOT_YET_JOURNALED = f"NOT EXISTS (SELECT 1 FROM {T.line} x WHERE x.dispatch_line_id = dl.id)"  # noqa: S608
_DAY_NOT_YET_JOURNALED = "d.entity_id = %s AND d.shipped_at >= %s AND d.shipped_at < %s AND " + _NOT_YET_JOURNALED


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
    start, end = day_bounds_utc(day, context.tz_name)
    _missing_accounts(entity, start, end, context)
    try:
        with transaction.atomic():
            journal = CostOfSalesJournal.objects.create(
                entity=entity, journaled_on=day, description=f"{context.prefix} {day:%d/%m/%Y}"
            )
            if not _post_day(journal, entity, start, end, context):
                raise _NothingToJournal
            with connection.cursor() as cursor:
                cursor.execute(_TOTALS_SQL, [journal.pk] * 3)
                debit, credit = (_cents(value) for value in cursor.fetchone())
            if debit != credit:  # pairs always balance; anything else is a bug, never a posting
                raise AssertionError(f"journal for {entity.code} {day} does not balance: {debit} ≠ {credit}")
    except _NothingToJournal:
        return None
    except IntegrityError:
        # Another builder made this day's journal first (the unique (entity, day) constraint).
        existing = CostOfSalesJournal.objects.filter(entity=entity, journaled_on=day).first()
        if existing is None:
            raise
        return existing
    journal.debit_amount, journal.credit_amount = debit, credit
    return journal


def _cents(value) -> Decimal:
    return (value if isinstance(value, Decimal) else Decimal(str(value or 0))).quantize(Decimal("0.01"))


def _post_day(journal: CostOfSalesJournal, entity: Entity, start: datetime, end: datetime, context: _Context) -> int:
    """Write the day's lines; returns how many."""
    accounts = (context.cost_account_id, context.stock_account_id)
    with connection.cursor() as cursor:
        # 1. The day's dispatches, never journaled before.
        cursor.execute(
            _posting_sql(_DAY_NOT_YET_JOURNALED),
            [journal.pk, *accounts, False, entity.pk, _dt(start), _dt(end)],
        )
        written = max(cursor.rowcount, 0)
        # 2. Corrections: dispatches changed today whose postings no longer say what they are.
        # Only dispatches shipped before the day can need a correction: their postings alone are summed
        # (not the lines step 1 has just written for the day's own dispatches).
        cursor.execute(_changed_lines_sql(), [entity.pk, _dt(start), _dt(end), _dt(start), entity.pk, _dt(start),
                                              _dt(end), _dt(start)])
        changed = [row[0] for row in cursor.fetchall()]
        for first in range(0, len(changed), CHUNK):
            ids = changed[first:first + CHUNK]
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(_REVERSAL_SQL.format(ids=marks), [journal.pk, True, *ids])
            written += max(cursor.rowcount, 0)
            cursor.execute(_posting_sql(f"dl.id IN ({marks})"), [journal.pk, *accounts, False, *ids])
            written += max(cursor.rowcount, 0)
    return written


def _first_day(entity: Entity, tz_name: str) -> date | None:
    first = Dispatch.objects.filter(entity=entity, shipped_at__isnull=False).aggregate(at=Min("shipped_at"))["at"]
    return trading_day(first, tz_name) if first else None


@dataclass
class BuildOutcome:
    built: list[CostOfSalesJournal]
    days: int


def journals_build_due(*, entity: Entity, now: datetime | None = None, until: date | None = None) -> BuildOutcome:
    """Build every day of `entity` not built yet, oldest first, up to yesterday (entity time):
    nights the scheduler missed are caught up here, and a day is never built twice.

    One transaction for the run, a savepoint per day: a catch-up of many days costs one commit, and
    a day that fails (no Cost account, say) keeps the days before it; the next run starts there."""
    now = now or timezone.now()
    context = _Context.read(entity)
    last = trading_day(now, context.tz_name) - timedelta(days=1)
    if until is not None:
        last = min(last, until)
    cursor = JournalCursor.objects.filter(entity=entity).first()
    start = cursor.built_through_on + timedelta(days=1) if cursor else _first_day(entity, context.tz_name)
    built: list[CostOfSalesJournal] = []
    days, failure = 0, None
    with transaction.atomic():
        day = start
        while day is not None and day <= last:
            try:
                journal = journal_build_for_day(entity=entity, day=day, now=now, _context=context)
            except DomainError as exc:
                failure = exc
                break
            if journal is not None:
                built.append(journal)
            days += 1
            day += timedelta(days=1)
        if days:
            _advance_cursor(entity, start + timedelta(days=days - 1))
        elif start is None:
            _advance_cursor(entity, last)
    if failure is not None:
        raise failure
    return BuildOutcome(built=built, days=days)


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
