"""The SQL of the nightly journal build (services.py says what it does and why).

A build covers a run of days of one entity at once: the days are a relation, `days(journal_id,
start_at, end_at)` — each day's journal and its bounds in UTC — written as a VALUES list in a WITH
clause that both SQLite and PostgreSQL read, and every statement joins dispatches to it by time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from bms.cogs.models import CostOfSalesJournal, JournalPosting
from bms.ledger.models import Account
from bms.stock.models import Dispatch, DispatchLine, DispatchStatus, Product

ACTIVE = (DispatchStatus.SHIPPED.value, DispatchStatus.COMPLETED.value)


@dataclass(frozen=True)
class _Tables:
    account: str = Account._meta.db_table
    journal: str = CostOfSalesJournal._meta.db_table
    posting: str = JournalPosting._meta.db_table
    dispatch: str = Dispatch._meta.db_table
    dispatch_line: str = DispatchLine._meta.db_table
    product: str = Product._meta.db_table


T = _Tables()
_IS_ACTIVE = f"d.status IN ('{ACTIVE[0]}', '{ACTIVE[1]}')"
_COLUMNS = ("journal_id, cost_account_id, stock_account_id, product_id, dispatch_line_id, dispatch_reference, "
            "quantity, unit_cost, amount, is_reversal")


def dt(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def days_cte(days: list[tuple[int, datetime, datetime]]) -> tuple[str, list]:
    """`WITH days(journal_id, start_at, end_at) AS (VALUES …)` and its parameters (days in order)."""
    row = "(%s, CAST(%s AS timestamptz), CAST(%s AS timestamptz))" if connection.vendor == "postgresql" else (
        "(%s, %s, %s)")
    params = [value for journal_id, start, end in days for value in (journal_id, dt(start), dt(end))]
    return f"WITH days(journal_id, start_at, end_at) AS (VALUES {', '.join([row] * len(days))})", params


def no_jit_sql() -> str | None:
    """For the rest of the build's transaction, no JIT compilation on PostgreSQL. An entity's month
    of dispatches costs the insert past jit_above_cost, and compiling it took 16 ms of its 168 ms
    (EXPLAIN ANALYZE at 1M lines) to save nothing measurable: rows are few per statement."""
    return "SET LOCAL jit = off" if connection.vendor == "postgresql" else None


def amount_sql() -> str:
    """quantity × unit cost, rounded to the cent half-up (as Xero rounds each line)."""
    cost = "COALESCE(dl.unit_cost, p.unit_cost)"
    if connection.vendor == "postgresql":
        return f"ROUND(dl.quantity * {cost}, 2)"  # numeric: exact, and half away from zero
    # SQLite keeps decimals as binary floats, where 2.675 is 2.67499…: multiply in whole
    # ten-thousandths and round half-up in integers, so the cent is the one Xero computes.
    return (f"((CAST(ROUND(dl.quantity * 10000) AS INTEGER) * CAST(ROUND({cost} * 10000) AS INTEGER) + 500000)"
            f" / 1000000) / 100.0")


def posting_sql(*, journal: str, source: str, where: str, order: str = "") -> str:
    """One posting (debit Cost, credit Stock) for every dispatch line of `source` (which names
    dispatches `d`) selected by `where`; the SELECT's parameters are the Cost and Stock defaults."""
    return f"""
        INSERT INTO {T.posting} ({_COLUMNS})
        SELECT {journal}, COALESCE(p.cost_account_id, %s), COALESCE(p.stock_account_id, %s),
               dl.product_id, dl.id, d.reference, dl.quantity, COALESCE(dl.unit_cost, p.unit_cost),
               {amount_sql()}, FALSE
        FROM {source}
        JOIN {T.dispatch_line} dl ON dl.dispatch_id = d.id
        JOIN {T.product} p ON p.id = dl.product_id
        WHERE {_IS_ACTIVE} AND {where}
        ORDER BY {order}dl.id
    """  # noqa: S608 — table names and fixed fragments only; every value is a parameter


def days_join(condition: str, columns: str) -> str:
    """`days` joined to the dispatches `d` that meet `condition` (which names `days`): each day reads
    its own range of an index. Left to join the VALUES list to the entity's dispatches, PostgreSQL
    filters every (day, dispatch) pair instead — 31 × 4,000 pairs per entity at a million lines —
    so there each day is a LATERAL subquery over the dispatch `columns` it needs, and OFFSET 0
    keeps it one (else PostgreSQL flattens it back into that join). SQLite has no LATERAL and
    already loops over the days, probing the index."""
    if connection.vendor == "postgresql":
        return f"days CROSS JOIN LATERAL (SELECT {columns} FROM {T.dispatch} d WHERE {condition} OFFSET 0) d"  # noqa: S608
    return f"days JOIN {T.dispatch} d ON {condition}"


# 1. The run's dispatches, each in the day it shipped, never journaled before. Parameters: the days,
# the two defaults, the entity, the run's start and end. The run's bounds, as constants, let the
# (entity, shipped_at) index find the run's dispatches, not every dispatch the entity ever shipped.
SHIPPED_IN_DAY = ("d.entity_id = %s AND d.shipped_at >= %s AND d.shipped_at < %s "
                  "AND d.shipped_at >= days.start_at AND d.shipped_at < days.end_at")
# LIMIT 1 OFFSET 0 keeps this a probe of the dispatch-line index for each line: without it
# PostgreSQL, misled by the statistics of a table that has just grown by a million rows, plans an
# anti-join that sorts every journal line for every entity — time growing with the square of N.
NOT_YET_JOURNALED = f"NOT EXISTS (SELECT 1 FROM {T.posting} x WHERE x.dispatch_line_id = dl.id LIMIT 1 OFFSET 0)"  # noqa: S608


def new_postings_sql(cte: str) -> str:
    source = days_join(SHIPPED_IN_DAY, "d.id, d.reference, d.status")
    return cte + posting_sql(journal="days.journal_id", source=source, where=NOT_YET_JOURNALED,
                             order="days.start_at, ")


def changed_lines_sql(cte: str) -> str:
    """(dispatch line, journal of the day of the change) for the lines of dispatches changed during a
    day of the run, shipped before that day, whose postings no longer say what they are now.
    Parameters: the days, the entity, the run's start and end.

    Only dispatches shipped before the day can need a correction: one shipped during the day itself
    is posted as it is now (or, cancelled, not at all) by step 1. Their postings can only be in
    earlier days, so summing them after step 1 has written the whole run gives what a day-by-day
    build would have summed on the day of the change."""
    amount = amount_sql()

    def posted(value: str) -> str:
        # What the line's postings say, summed through the dispatch-line index line by line:
        # never a scan of every posting.
        signed = f"SUM(CASE WHEN j.is_reversal THEN -1 ELSE 1 END * ({value}))"
        return f"(SELECT {signed} FROM {T.posting} j WHERE j.dispatch_line_id = dl.id)"  # noqa: S608

    # Each day reads its own range of the (entity, updated_at) index (days_join). The dispatch's
    # status comes along, so the dispatch table is not joined again: PostgreSQL hashed all of it,
    # for every entity, to do so.
    changed_in_day = ("d.entity_id = %s AND d.updated_at >= %s AND d.updated_at < %s "
                      "AND d.updated_at >= days.start_at AND d.updated_at < days.end_at "
                      "AND d.shipped_at IS NOT NULL AND d.shipped_at < days.start_at")
    changed = days_join(changed_in_day, "d.id, d.status")

    return cte + f""",
        changed AS (SELECT d.id AS dispatch_id, d.status, days.journal_id, days.start_at FROM {changed})
        SELECT dl.id, d.journal_id
        FROM changed d
        JOIN {T.dispatch_line} dl ON dl.dispatch_id = d.dispatch_id
        JOIN {T.product} p ON p.id = dl.product_id
        WHERE ABS(COALESCE({posted("j.quantity")}, 0)
                  - CASE WHEN {_IS_ACTIVE} THEN dl.quantity ELSE 0 END) > 0.00001
           OR ABS(COALESCE({posted("j.amount")}, 0)
                  - CASE WHEN {_IS_ACTIVE} THEN {amount} ELSE 0 END) > 0.001
        ORDER BY d.start_at, dl.id
    """  # noqa: S608


def reversal_sql(count: int) -> str:
    """What is still posted for `count` dispatch lines, taken back on the accounts it was posted on
    (whatever the product's accounts are now): one reversal per line and pair of accounts.
    Parameters: the journal, the ids. (A net that is negative, more reversed than posted, which a
    build never makes, would be put back as a posting, not lost.)"""
    net = "SUM(CASE WHEN j.is_reversal THEN -j.amount ELSE j.amount END)"
    return f"""
        INSERT INTO {T.posting} ({_COLUMNS})
        SELECT %s, j.cost_account_id, j.stock_account_id, MAX(j.product_id), j.dispatch_line_id,
               MAX(j.dispatch_reference), ABS(SUM(CASE WHEN j.is_reversal THEN -j.quantity ELSE j.quantity END)),
               MAX(j.unit_cost), ROUND(ABS({net}), 2), {net} > 0
        FROM {T.posting} j
        WHERE j.dispatch_line_id IN ({", ".join(["%s"] * count)})
        GROUP BY j.dispatch_line_id, j.cost_account_id, j.stock_account_id
        HAVING ABS({net}) > 0.001
        ORDER BY j.dispatch_line_id, MIN(j.id)
    """  # noqa: S608


def repost_sql(count: int) -> str:
    """`count` dispatch lines posted again as they are now. Parameters: the journal, the two
    defaults, the ids."""
    return posting_sql(journal="%s", source=f"{T.dispatch} d", order="",
                       where=f"dl.id IN ({', '.join(['%s'] * count)})")


def sums_sql(count: int) -> str:
    """Per journal of `count` journals and pair of accounts: the amount posted, reversals
    included (each posting is as much debit as credit). Parameters: the journal ids."""
    return f"""
        SELECT journal_id, cost_account_id, stock_account_id, ROUND(SUM(amount), 2)
        FROM {T.posting} WHERE journal_id IN ({", ".join(["%s"] * count)})
        GROUP BY journal_id, cost_account_id, stock_account_id
    """  # noqa: S608


def accounts_held_sql(count: int) -> str:
    """The accounts that exist among `count` ids, each locked against deletion until commit as a
    foreign key check would (FOR KEY SHARE; SQLite has one writer at a time and needs no lock)."""
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    return f"SELECT id FROM {T.account} WHERE id IN ({', '.join(['%s'] * count)}){lock}"  # noqa: S608
