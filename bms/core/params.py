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
    """What a search box sent, trimmed to at most SEARCH_MAX characters: every list searches the
    same way (a NUL never gets this far: the request guard refuses it with a 400)."""
    return text.strip()[:SEARCH_MAX]
