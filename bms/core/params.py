"""Numbers typed into a URL or a search box, read without trusting them."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

DB_INT_MAX = 2_147_483_647  # the largest value an integer column holds on every supported database
ID_MAX = 9_223_372_036_854_775_807  # the largest id a BigAutoField (DEFAULT_AUTO_FIELD) holds
M = TypeVar("M", bound=Model)


def int_param(text: str, *, maximum: int = DB_INT_MAX) -> int | None:
    """The whole number `text` spells in ASCII digits, or None when it spells none or one no row can
    have (the database would raise on it rather than find nothing)."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if value <= maximum else None


SEARCH_MAX = 100


def search_param(text: str) -> str:
    """What a search box sent, trimmed to at most SEARCH_MAX characters: every list searches the
    same way (a NUL never gets this far: the request guard refuses it with a 400)."""
    return text.strip()[:SEARCH_MAX]


def id_param(text: str | None) -> int | None:
    """A record's id as a form or link sent it (`tenant=…`, `invoice=…`), or None when it is no id
    any row can have: empty, not ASCII digits, or beyond ID_MAX."""
    return int_param(text or "", maximum=ID_MAX)


def object_or_404(queryset: type[M] | QuerySet[M], text: str | None, **filters: Any) -> M:
    """The record whose id `text` spells, among `queryset` narrowed by `filters`; a 404 naming what
    was looked for when `text` is no id (`abc`, `-1`, 10**20) or names no such record."""
    rows = queryset if isinstance(queryset, QuerySet) else queryset._default_manager.all()
    pk = id_param(text)
    found = rows.filter(pk=pk, **filters).first() if pk is not None else None
    if found is None:
        raise Http404(f"No such {rows.model._meta.verbose_name}.")
    return found
