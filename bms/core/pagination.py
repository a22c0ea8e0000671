"""One way to paginate every list: keyset ("seek") pages of 50 rows, the query string kept across pages.

A page is asked for by where it starts, not by its number: `?after=<cursor>` is the page after a
row, `?before=<cursor>` the page before one, `?page=last` the last page, and no cursor the first.
The cursor holds the row's values of the list's sort keys, so every page is one indexed range read
of `per_page + 1` rows whatever its distance from the first: an offset would make the database read
and discard every earlier row (a 100,000-row list's last page read all 100,000).

The order is the queryset's own `order_by(...)`; the primary key is added as the last key when the
order does not end with it, so rows that tie on every key still have one place. A key may be a
field, a field across a relation (`entity__name`) or an annotation; a nullable one must say where
its nulls go (`F("shipped_at").desc(nulls_first=True)`), because SQLite and PostgreSQL disagree
when it does not. An index on the filter's columns followed by the sort keys and the id serves it.

Counts are capped: the list counts up to COUNT_LIMIT rows and says "more than 10,000" beyond, so a
page view never counts a whole large table. Old `?page=N` links and cursors that do not decode (a
hand-edited URL, a list whose order changed) show the first page rather than an error.

Adding a list: `paginate(request, queryset)` in the view and `{% include "core/pagination.html" %}`
under its table; `{% for row in page_obj %}` iterates the page's rows.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Field, Model, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.http import HttpRequest, QueryDict

PAGE_SIZE = 50
COUNT_LIMIT = 10_000
CURSOR_PARAMS = ("after", "before", "page")
_INT_RANGE = (-(2**63), 2**63 - 1)  # what a 64-bit integer column holds; beyond it the driver raises
_MAX_TEXT = 1000  # longer than any sort key's column; a longer "value" is not one of ours


class CursorError(ValueError):
    """A cursor this list did not write."""


@dataclass(frozen=True)
class SortKey:
    name: str  # a lookup path: "issued_on", "entity__name", an annotation, or "pk"
    descending: bool
    nulls_first: bool | None  # None: the key's column holds no nulls
    field: Field[Any, Any]

    def order_by(self, *, reverse: bool = False) -> OrderBy:
        descending = self.descending != reverse
        if self.nulls_first is None:
            return OrderBy(F(self.name), descending=descending)
        nulls_first = self.nulls_first != reverse
        return OrderBy(F(self.name), descending=descending, nulls_first=nulls_first or None,
                       nulls_last=(not nulls_first) or None)

    def value_of(self, row: Any) -> Any:
        value = row
        for part in self.name.split("__"):
            if value is None:
                return None
            value = getattr(value, part)
        return value


def _field_for(queryset: QuerySet[Any], path: str) -> Field[Any, Any]:
    if path in queryset.query.annotations:
        return queryset.query.annotations[path].output_field
    model: type[Model] = queryset.model
    parts = path.split("__")
    for part in parts[:-1]:
        related = model._meta.get_field(part).related_model
        if related is None or isinstance(related, str):
            raise FieldDoesNotExist(path)
        model = related
    last = parts[-1]
    field = model._meta.pk if last == "pk" else model._meta.get_field(last)
    if not isinstance(field, Field):
        raise FieldDoesNotExist(path)  # a reverse relation: not a column to sort by
    return field


def sort_keys(queryset: QuerySet[Any]) -> list[SortKey]:
    """The list's order as sort keys, ending with the primary key."""
    keys: list[SortKey] = []
    for item in queryset.query.order_by or queryset.model._meta.ordering:
        if isinstance(item, str):
            descending, name = item.startswith("-"), item.lstrip("-")
            nulls_first = None
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            descending, name = item.descending, str(item.expression.name)  # type: ignore[attr-defined]
            nulls_first = True if item.nulls_first else False if item.nulls_last else None
        else:
            raise TypeError(f"order the list by fields or F() expressions, not {item!r}")
        field = _field_for(queryset, name)
        if field.null and nulls_first is None and name != "pk":
            raise TypeError(f"say where the nulls of {name} go: F({name!r}).desc(nulls_first=True)")
        keys.append(SortKey(name, descending, nulls_first if field.null else None, field))
    if not keys or keys[-1].name not in ("pk", "id", queryset.model._meta.pk.name):
        descending = keys[-1].descending if keys else False
        keys.append(SortKey("pk", descending, None, queryset.model._meta.pk))
    return keys


# --- cursors ---------------------------------------------------------------------------------


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def encode_cursor(keys: Sequence[SortKey], row: Any) -> str:
    values = [_to_json(key.value_of(row)) for key in keys]
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def _from_json(key: SortKey, value: Any) -> Any:
    if value is None:
        if key.nulls_first is None:
            raise CursorError(f"{key.name} holds no nulls")
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise CursorError(f"{key.name}: not a value a cursor holds")
    if isinstance(value, str) and (len(value) > _MAX_TEXT or "\x00" in value):
        raise CursorError(f"{key.name}: not a value a cursor holds")
    try:
        parsed = key.field.to_python(value)
    except (ValidationError, InvalidOperation, TypeError, ValueError, OverflowError) as exc:
        raise CursorError(f"{key.name}: {value!r} is not a {type(key.field).__name__}") from exc
    if isinstance(parsed, bool):
        return parsed
    if isinstance(parsed, int) and not _INT_RANGE[0] <= parsed <= _INT_RANGE[1]:
        raise CursorError(f"{key.name}: out of range")
    if isinstance(parsed, dt.datetime) and parsed.tzinfo is None:
        raise CursorError(f"{key.name}: a cursor's moments carry their offset")
    if isinstance(parsed, Decimal) and not parsed.is_finite():
        raise CursorError(f"{key.name}: not a number")
    return parsed


def decode_cursor(keys: Sequence[SortKey], token: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4))
        values = json.loads(raw)
    except (UnicodeError, binascii.Error, ValueError) as exc:
        raise CursorError("not a cursor") from exc
    if not isinstance(values, list) or len(values) != len(keys):
        raise CursorError("a cursor of another list")
    return [_from_json(key, value) for key, value in zip(keys, values, strict=True)]


def _beyond(key: SortKey, value: Any, *, reverse: bool) -> Q | None:
    """Rows strictly beyond `value` on this one key in the walking direction; None for none."""
    descending = key.descending != reverse
    nulls_first = None if key.nulls_first is None else key.nulls_first != reverse
    if value is None:  # only nullable keys get here
        return Q(**{f"{key.name}__isnull": False}) if nulls_first else None
    condition = Q(**{f"{key.name}__{'lt' if descending else 'gt'}": value})
    if nulls_first is False:
        condition |= Q(**{f"{key.name}__isnull": True})
    return condition


def _equal(key: SortKey, value: Any) -> Q:
    return Q(**{f"{key.name}__isnull": True}) if value is None else Q(**{key.name: value})


def seek_condition(keys: Sequence[SortKey], values: Sequence[Any], *, reverse: bool = False) -> Q:
    """Rows after (or, reversed, before) the row with these key values: the lexicographic
    comparison spelled out, key by key. The first key's range is repeated on its own (`a <= x`) so
    the database reads the index from the cursor on instead of testing every row."""
    condition = Q(pk__in=[])
    prefix = Q()
    for key, value in zip(keys, values, strict=True):
        beyond = _beyond(key, value, reverse=reverse)
        if beyond is not None:
            condition |= prefix & beyond
        prefix &= _equal(key, value)
    first_key, first_value = keys[0], values[0]
    if first_value is not None and first_key.nulls_first is None:
        op = "lte" if first_key.descending != reverse else "gte"
        condition = Q(**{f"{first_key.name}__{op}": first_value}) & condition
    return condition


# --- the page --------------------------------------------------------------------------------


@dataclass
class Page:
    """One page of a list, in the list's order, with where First, Previous, Next and Last lead."""

    rows: list[Any]
    has_previous: bool
    has_next: bool
    previous_query: str
    next_query: str
    first_query: str
    last_query: str
    count: int
    is_count_capped: bool

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return True  # a page with no rows is still a page (the template shows "0 rows")

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def count_label(self) -> str:
        if self.is_count_capped:
            return f"more than {self.count:,} rows"
        return f"{self.count:,} row{'' if self.count == 1 else 's'}"


def _without_cursor(params: QueryDict) -> QueryDict:
    params = params.copy()
    for name in CURSOR_PARAMS:
        params.pop(name, None)
    return params


def _query(params: QueryDict, **cursor: str) -> str:
    params = _without_cursor(params)
    for name, value in cursor.items():
        params[name] = value
    return params.urlencode()


def count_capped(queryset: QuerySet[Any], limit: int | None = None) -> tuple[int, bool]:
    """(count, capped): at most `limit + 1` rows are counted, so a large list costs a bounded read."""
    limit = COUNT_LIMIT if limit is None else limit
    count = queryset.order_by().values("pk")[: limit + 1].count()  # ids only: no joins, no annotations
    return (limit, True) if count > limit else (count, False)


def paginate(request: HttpRequest, queryset: QuerySet[Any], *, per_page: int = PAGE_SIZE,
             rows: Callable[[list[Any]], list[Any]] | None = None, rows_per_record: int = 1) -> dict[str, Any]:
    """The template context of one page of `queryset`: `page_obj` (iterate it for the rows) and
    `page_query` (the list's own parameters, without the cursor). `rows`, if given, turns the
    page's records into what the table shows (one query for the whole page, never one per row);
    `rows_per_record` is how many rows it makes of each record, for the count."""
    page = page_of(queryset, request.GET, per_page=per_page)
    if rows is not None:
        page.rows = rows(page.rows)
    page.count *= rows_per_record
    return {"page_obj": page, "page_query": page.first_query}


def page_of(queryset: QuerySet[Any], params: QueryDict, *, per_page: int = PAGE_SIZE) -> Page:
    """The page `params` ask for (`after`, `before`, `page=last` or none: the first)."""
    if queryset.query.is_empty():  # .none(): a filter the user got wrong matches nothing
        return Page(rows=[], has_previous=False, has_next=False, previous_query="", next_query="",
                    first_query=_query(params), last_query="", count=0, is_count_capped=False)
    keys = sort_keys(queryset)
    after, before = params.get("after", ""), params.get("before", "")
    direction, values = "first", None
    try:
        if after:
            direction, values = "after", decode_cursor(keys, after)
        elif before:
            direction, values = "before", decode_cursor(keys, before)
        elif params.get("page") == "last":
            direction = "last"
    except CursorError:
        direction, values = "first", None  # not a cursor of this list: start again at the top
    reverse = direction in ("before", "last")
    ordered = queryset.order_by(*(key.order_by(reverse=reverse) for key in keys))
    if values is not None:
        ordered = ordered.filter(seek_condition(keys, values, reverse=reverse))
    records = list(ordered[: per_page + 1])
    if not records and values is not None:
        # Nothing is left beyond the cursor's row (deleted, or no longer matching): the first page.
        return page_of(queryset, _without_cursor(params), per_page=per_page)
    more = len(records) > per_page
    records = records[:per_page]
    if reverse:
        records.reverse()
    count, capped = count_capped(queryset)
    return Page(
        rows=records,
        has_previous={"first": False, "after": True, "before": more, "last": more}[direction],
        has_next={"first": more, "after": more, "before": True, "last": False}[direction],
        previous_query=_query(params, before=encode_cursor(keys, records[0])) if records else "",
        next_query=_query(params, after=encode_cursor(keys, records[-1])) if records else "",
        first_query=_query(params), last_query=_query(params, page="last"),
        count=count, is_count_capped=capped,
    )
