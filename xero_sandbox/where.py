"""A small reader for Xero's `where` filters: `Name=="Acme"`, `Status=="AUTHORISED" AND
Type=="ACCREC"`, `Invoice.InvoiceID==guid("…")`, `Date>=DateTime(2026,04,01)`, joined with AND/OR
(or && / ||). Equality on text is case-insensitive, as in Xero's optimised filters."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from xero_sandbox.common import post_data_invalid

_CLAUSE = re.compile(
    r'\s*(?P<field>[A-Za-z][\w.]*)\s*(?P<op>==|!=|>=|<=|>|<)\s*'
    r'(?P<value>"(?:[^"\\]|\\.)*"|guid\("[^"]*"\)|DateTime\(\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\)|[\w.\-]+)\s*'
)
_JOIN = re.compile(r"\s*(AND|&&|OR|\|\|)\s*", re.IGNORECASE)


def _value(text: str):
    if text.startswith('"'):
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if text.startswith("guid("):
        return text[6:-2]
    if text.startswith("DateTime("):
        year, month, day = (int(part) for part in text[9:-1].split(","))
        return date(year, month, day)
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return Decimal(text)
    except ArithmeticError:
        return text


def parse(expression: str) -> list[list[tuple[str, str, object]]]:
    """OR of ANDs: [[(field, op, value), …], …]."""
    groups, current, position = [], [], 0
    expression = expression.strip()
    while position < len(expression):
        match = _CLAUSE.match(expression, position)
        if not match:
            raise post_data_invalid(f"Unable to parse the where clause near: {expression[position:position + 30]}")
        current.append((match["field"], match["op"], _value(match["value"])))
        position = match.end()
        if position >= len(expression):
            break
        join = _JOIN.match(expression, position)
        if not join:
            raise post_data_invalid(f"Unable to parse the where clause near: {expression[position:position + 30]}")
        if join.group(1).upper() in ("OR", "||"):
            groups.append(current)
            current = []
        position = join.end()
    groups.append(current)
    return groups


def _field(record: dict, path: str):
    value = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        match = next((key for key in value if key.lower() == part.lower()), None)
        value = value.get(match) if match else None
    return value


def _compare(actual, op: str, expected) -> bool:
    if isinstance(actual, datetime):
        actual = actual.date()
    if isinstance(actual, str) and isinstance(expected, str):
        actual, expected = actual.casefold(), expected.casefold()
    if isinstance(expected, Decimal) and actual is not None and not isinstance(actual, Decimal | date):
        try:
            actual = Decimal(str(actual))
        except ArithmeticError:
            return False
    if op == "==":
        return actual == expected
    if op == "!=":
        return actual != expected
    if actual is None:
        return False
    try:
        return {">=": actual >= expected, "<=": actual <= expected, ">": actual > expected,
                "<": actual < expected}[op]
    except TypeError:
        return False


def matches(record: dict, groups) -> bool:
    return any(all(_compare(_field(record, f), op, v) for f, op, v in group) for group in groups)
