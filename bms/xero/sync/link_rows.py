"""Many link rows updated with different values in one round trip.

A push settles thousands of links: one UPDATE per row through the ORM costs more than the call to
Xero that carried them, and Django's bulk_update (a CASE per field and row) is slower still. This
sends one parameterised UPDATE with executemany, each value prepared by its model field exactly as
the ORM would (JSON, dates, Decimals), inside the caller's transaction.
"""

from __future__ import annotations

from django.db import connection, transaction


def link_rows_update(model, rows: list[tuple[int, dict]]) -> None:
    """`rows`: (primary key, {field name: value}), every dict with the same field names."""
    if not rows:
        return
    names = list(rows[0][1])
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
    params = [
        [field.get_db_prep_save(values[field.name], connection) for field in fields] + [pk] for pk, values in rows
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)
