"""A reader for Xero's `where` filters: `Name=="Acme"`, `Status=="AUTHORISED" AND Type=="ACCREC"`,
`Invoice.InvoiceID==guid("…")`, `Date>=DateTime(2026,04,01)`, `AmountDue>0`, joined with AND/OR
(or && / ||). Equality on text is case-insensitive, as in Xero's optimised filters (xero-notes §5).

Anything it cannot read is a 400 PostDataInvalidException, never a crash."""

from __future__ import annotations

import operator
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from xero_sandbox.errors import post_data_invalid

_CLAUSE = re.compile(
    r'\s*(?P<field>[A-Za-z][\w.]*)\s*(?P<op>==|!=|>=|<=|>|<)\s*'
    r'(?P<value>"(?:[^"\\]|\\.)*"|guid\(\s*"[^"]*"\s*\)|DateTime\(\s*\d+(?:\s*,\s*\d+){2,5}\s*\)|[\w.\-]+)\s*'
)
_JOIN = re.compile(r"\s*(AND|&&|OR|\|\|)\s*", re.IGNORECASE)
Clause = tuple[str, str, object]
MAX_LENGTH = 4000
_ORDER = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


def _value(text: str) -> object:
    if text.startswith('"'):
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if text.startswith("guid("):
        return text[text.index('"') + 1:text.rindex('"')]
    if text.startswith("DateTime("):
        parts = [int(part) for part in text[9:-1].split(",")]
        try:
            return date(*parts) if len(parts) == 3 else datetime(*parts, tzinfo=UTC)
        except (ValueError, OverflowError):
            raise post_data_invalid(f"'{text}' is not a valid date") from None
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def parse(expression: str) -> list[list[Clause]]:
    """OR of ANDs: [[(field, op, value), …], …]."""
    if len(expression) > MAX_LENGTH:
        raise post_data_invalid("The where clause is too long")
    groups: list[list[Clause]] = []
    current: list[Clause] = []
    position = 0
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
    return [group for group in groups if group]


def _field(record: dict, path: str) -> object:
    value: object = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        match = next((key for key in value if key.lower() == part.lower()), None)
        value = value.get(match) if match else None
    return value


def _comparable(actual: object, expected: object) -> tuple[object, object]:
    if isinstance(expected, date) and not isinstance(expected, datetime) and isinstance(actual, datetime):
        actual = actual.date()
    if isinstance(expected, datetime) and isinstance(actual, date) and not isinstance(actual, datetime):
        actual = datetime(actual.year, actual.month, actual.day, tzinfo=UTC)
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.casefold(), expected.casefold()
    if isinstance(expected, Decimal) and actual is not None and not isinstance(actual, Decimal | date | bool):
        try:
            actual = Decimal(str(actual))
        except InvalidOperation:
            return None, expected
    return actual, expected


def _compare(actual: object, op: str, expected: object) -> bool:
    actual, expected = _comparable(actual, expected)
    if op == "==":
        return actual == expected
    if op == "!=":
        return actual != expected
    if actual is None:
        return False
    try:
        return bool(_ORDER[op](actual, expected))
    except TypeError:
        return False


def matches(record: dict, groups: list[list[Clause]]) -> bool:
    return any(all(_compare(_field(record, f), op, v) for f, op, v in group) for group in groups)


def filtered(records: list[dict], expression: str | None) -> list[dict]:
    if not expression or not expression.strip():
        return records
    groups = parse(expression)
    return [record for record in records if matches(record, groups)]
