"""The index that sums a journal's postings per pair of accounts (its page's account summary and
totals) without reading the posting rows, on SQLite only.

SQLite groups by sorting: a journal of 100,000 postings took about 80 ms to summarise through the
journal's own index (look up each row, sort them all) and takes about 12 ms reading this covering
index in order. PostgreSQL hashes the groups instead (no sort), and its journal build is closer to
its target, where every index costs (docs/benchmarks.md, "Journals build"): it does without.

A later migration that remakes the postings table on SQLite would drop an index Django does not
know of: the post_migrate check (CogsConfig.ready) puts it back.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, migrations

NAME = "journal_posting_summary"
TABLE = "ledger_journalposting"
CREATE = (f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "{TABLE}" '
          '("journal_id", "cost_account_id", "stock_account_id", "is_reversal", "amount")')


def ensure_summary_index(using: str = "default", **_: Any) -> None:
    connection = connections[using]
    if connection.vendor == "sqlite" and TABLE in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute(CREATE)


def summary_index_operation() -> migrations.RunPython:
    def forward(apps: Any, schema_editor: Any) -> None:
        ensure_summary_index(schema_editor.connection.alias)

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')

    return migrations.RunPython(forward, backward)
