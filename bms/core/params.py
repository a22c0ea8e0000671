"""Numbers typed into a URL or a search box, read without trusting them."""

from __future__ import annotations

DB_INT_MAX = 2_147_483_647  # the largest value an integer column holds on every supported database


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
    """What a search box sent, made safe to query with: trimmed, at most SEARCH_MAX characters and
    without NUL characters (PostgreSQL refuses a string holding one, which would be a 500)."""
    return text.replace("\x00", "").strip()[:SEARCH_MAX]
