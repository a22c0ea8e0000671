"""Substring search that reads an index, not the whole list: every list's search box goes through
`contains()`, which picks the database's way.

- SQLite: an FTS5 table with the `trigram` tokenizer per searchable table (`<table>_search`), an
  external-content index of the searched columns kept up to date by triggers on the table. A term
  is matched as a phrase of trigrams, which is "this text occurs somewhere in the column", upper or
  lower case alike.
- PostgreSQL: a pg_trgm GIN index on `UPPER(column::text)` per searched column, which serves the
  `UPPER(column::text) LIKE UPPER('%term%')` that Django's `icontains` writes (no pending list:
  `_ensure_postgres`).

Table and column names in the SQL come from the models (never from a request): the term is always
a parameter.

A term shorter than three characters has no trigram: it is matched with `icontains` on both
databases, reading the list in its own order (a short term matches many rows, so the first page
fills quickly).

SEARCHES names the searchable tables and their columns. The search tables, triggers and indexes
are made by a migration in each owning app (`search_operation`) and checked after every `migrate`
(`ensure_search_indexes`, on post_migrate): SQLite drops a table's triggers when a later migration
remakes the table, and the check puts them back and rebuilds that table's search index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import apps as global_apps
from django.db import connections, migrations
from django.db.models import Model, Q
from django.db.models.expressions import RawSQL

# model label → the searched fields (each searched with `contains`, any of them may match)
SEARCHES: dict[str, tuple[str, ...]] = {
    "customers.Customer": ("code", "name", "email"),
    "billing.Invoice": ("reference",),
    "billing.CreditNote": ("reference", "xero_number"),
    "core.AuditEvent": ("target", "message"),
    "ledger.Account": ("code", "name"),
}
MIN_TRIGRAM = 3  # characters
MATCHES_LISTED = 2_000


def _columns(model: type[Model], fields: Sequence[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in fields]  # type: ignore[union-attr]


def _fts_query(columns: Sequence[str], term: str) -> str:
    phrase = '"' + term.replace('"', '""') + '"'
    return "{" + " ".join(columns) + "} : " + phrase


def _scan(fields: Sequence[str], term: str) -> Q:
    query = Q(pk__in=[])
    for name in fields:
        query |= Q(**{f"{name}__icontains": term})
    return query


def contains(model: type[Model], fields: Sequence[str], term: str, *, via: str = "pk", using: str = "default") -> Q:
    """Rows of `model` in which any of `fields` (searchable ones: SEARCHES) contains `term`, any case;
    with `via` (a foreign key to `model`, e.g. "customer"), the rows of another list whose `via` is one.

    The index is read first, in one query, for at most MATCHES_LISTED + 1 ids. Up to MATCHES_LISTED
    matches come back as their ids, which the list's own query looks up by key — a rare term costs
    a few look-ups however long the list, even when it is one of several conditions OR'd together
    (a condition the database cannot look up would make it test every row of the list). More
    matches than that come back as the plain condition: the list is read in its own order and a
    page of matches is found within a few hundred rows."""
    indexed = SEARCHES.get(model._meta.label, ())
    missing = [name for name in fields if name not in indexed]
    if missing:
        raise ValueError(f"{model._meta.label} has no search index on {missing}: add them to SEARCHES")
    term = term.strip()
    ids = _matches(model, fields, term, using) if len(term) >= MIN_TRIGRAM else None
    if ids is not None:
        return Q(**{f"{via}__in": ids})
    if via == "pk":
        return _scan(fields, term)
    return Q(**{f"{via}__in": model._default_manager.using(using).filter(_scan(fields, term)).values("pk")})


def _matches(model: type[Model], fields: Sequence[str], term: str, using: str) -> list[Any] | None:
    """The ids of the rows matching, read from the index; None when there are more than MATCHES_LISTED."""
    if connections[using].vendor == "sqlite":
        table = _search_table(model._meta.db_table)
        index = Q(pk__in=RawSQL(f'SELECT rowid FROM "{table}" WHERE "{table}" MATCH %s',  # noqa: S608, S611
                                [_fts_query(_columns(model, fields), term)]))
    else:
        index = _scan(fields, term)  # PostgreSQL reads it from the trigram indexes
    ids = list(model._default_manager.using(using).filter(index).values_list("pk", flat=True)
               .order_by()[:MATCHES_LISTED + 1])
    return ids if len(ids) <= MATCHES_LISTED else None


# --- the indexes ---------------------------------------------------------------------------------


def _search_table(table: str) -> str:
    return f"{table}_search"


def _sqlite_statements(table: str, columns: Sequence[str]) -> tuple[str, list[str]]:
    """(the search table's CREATE, the triggers' CREATEs)."""
    search = _search_table(table)
    listed = ", ".join(f'"{c}"' for c in columns)
    new = ", ".join(f'new."{c}"' for c in columns)
    old = ", ".join(f'old."{c}"' for c in columns)
    create = (f'CREATE VIRTUAL TABLE "{search}" USING fts5({listed}, content="{table}", content_rowid="id", '
              "tokenize='trigram')")
    insert = f'INSERT INTO "{search}"(rowid, {listed}) VALUES (new."id", {new});'  # noqa: S608
    delete = f'INSERT INTO "{search}"("{search}", rowid, {listed}) VALUES (\'delete\', old."id", {old});'  # noqa: S608
    triggers = [
        f'CREATE TRIGGER "{search}_insert" AFTER INSERT ON "{table}" BEGIN {insert} END',
        f'CREATE TRIGGER "{search}_delete" AFTER DELETE ON "{table}" BEGIN {delete} END',
        f'CREATE TRIGGER "{search}_update" AFTER UPDATE OF {listed} ON "{table}" BEGIN {delete} {insert} END',
    ]
    return create, triggers


def _ensure_sqlite(cursor: Any, table: str, columns: Sequence[str]) -> None:
    search = _search_table(table)
    create, triggers = _sqlite_statements(table, columns)
    cursor.execute("SELECT name, sql FROM sqlite_master WHERE name LIKE %s", [f"{search}%"])
    existing = dict(cursor.fetchall())
    rebuild = False
    if existing.get(search) != create:  # missing, or of other columns
        if search in existing:
            cursor.execute(f'DROP TABLE "{search}"')
        cursor.execute(create)
        rebuild = True
    for statement in triggers:
        name = statement.split('"')[1]
        if existing.get(name) != statement:
            if name in existing:
                cursor.execute(f'DROP TRIGGER "{name}"')
            cursor.execute(statement)
            rebuild = True  # writes may have happened without it
    if rebuild:
        cursor.execute(f"INSERT INTO \"{search}\"(\"{search}\") VALUES ('rebuild')")  # noqa: S608


def _ensure_postgres(cursor: Any, table: str, columns: Sequence[str]) -> None:
    """fastupdate off: with it on, new rows wait in the index's pending list, which every search
    reads in full until a vacuum merges it — 100,000 freshly added customers made a search take
    200 ms instead of 3. Each insert updates the index itself instead."""
    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in columns:
        name = f"{table}_{column}_trgm"
        cursor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
                       f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops) WITH (fastupdate = off)')
        cursor.execute(f'ALTER INDEX "{name}" SET (fastupdate = off)')
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [f'"{name}"'])


def ensure_search_index(model: type[Model], *, using: str = "default") -> None:
    """Make (or repair) the search index of one searchable model."""
    connection = connections[using]
    table, columns = model._meta.db_table, _columns(model, SEARCHES[model._meta.label])
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            _ensure_sqlite(cursor, table, columns)
        elif connection.vendor == "postgresql":
            _ensure_postgres(cursor, table, columns)


def ensure_search_indexes(using: str = "default", **_: Any) -> None:
    """post_migrate: every searchable table's index is there and its triggers too."""
    tables = set(connections[using].introspection.table_names())
    for label in SEARCHES:
        model = global_apps.get_model(label)
        if model._meta.db_table in tables:
            ensure_search_index(model, using=using)


def search_operation(label: str) -> migrations.RunPython:
    """The migration operation making `label`'s search index (SQLite: table and triggers, filled;
    PostgreSQL: trigram indexes). Reversing it drops them."""

    def forward(apps: Any, schema_editor: Any) -> None:
        ensure_search_index(apps.get_model(label), using=schema_editor.connection.alias)

    def backward(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(label)
        table = model._meta.db_table
        if schema_editor.connection.vendor == "sqlite":
            for suffix in ("insert", "delete", "update"):
                schema_editor.execute(f'DROP TRIGGER IF EXISTS "{_search_table(table)}_{suffix}"')
            schema_editor.execute(f'DROP TABLE IF EXISTS "{_search_table(table)}"')
        elif schema_editor.connection.vendor == "postgresql":
            for column in _columns(model, SEARCHES[label]):
                schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{column}_trgm"')

    return migrations.RunPython(forward, backward)
