"""Link rows in bulk: settling many at once (one UPDATE, many parameter sets), and making failed ones due again."""

from __future__ import annotations

from typing import Any

from django.db import connection, models, transaction
from django.db.models import F

from bms.xero.models import LinkStatus, SyncLink


def link_rows_update(model: type[models.Model], rows: list[tuple[int, dict[str, Any]]]) -> None:
    """Many link rows, different values, one round trip: a push settles thousands of links, and
    an UPDATE per row through the ORM costs more than the call that carried them. `rows` are
    (pk, {field: value}), every dict with the same fields; values prepared as the ORM would."""
    if not rows:
        return
    fields = [_column_field(model, name) for name in rows[0][1]]
    pk_field = model._meta.pk
    if pk_field is None:
        raise TypeError(f"{model.__name__} has no primary key")
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(_column(field))} = %s" for field in fields)
    table, pk_column = quote(model._meta.db_table), quote(_column(pk_field))
    sql = f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s"  # noqa: S608
    params = [[field.get_db_prep_save(values[field.name], connection) for field in fields] + [pk]
              for pk, values in rows]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)


def failed_sends_make_due(link_model: type[SyncLink], *, tenant_id: int, **records: Any) -> None:
    """These records' failed sends become due again, under a fresh key (Xero caches a refusal by key):
    what a sync button and Re-send failed records do; the schedule never sends a failed one again."""
    link_model._default_manager.filter(tenant_id=tenant_id, status=LinkStatus.FAILED, **records).update(
        status=LinkStatus.PENDING, key_epoch=F("key_epoch") + 1)


def _column_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is a relation, not a column")
    return field


def _column(field: models.Field[Any, Any]) -> str:
    if field.column is None:
        raise TypeError(f"{field.name} has no column")
    return field.column
