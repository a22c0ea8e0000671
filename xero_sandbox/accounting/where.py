"""A reader for Xero's `where` filters, in the forms Xero documents and real clients send
(xero-notes §5, §6.3, §7; Xero's "Requests and responses" page):

    Name=="Acme"  Name="Acme"  Name!="Acme"        text equality is case-insensitive, as Xero's
                                                    optimised filters are (xero-notes §5)
    Status=="AUTHORISED" AND Type=="ACCREC"        joined with AND / OR (or && / ||)
    Invoice.InvoiceID==Guid("…")                   Guid(…) or guid(…) (xero-notes §7)
    Date>=DateTime(2026,04,01)  AmountDue>0        dates and numbers, ordered
    AccountNumber!=null  IsCustomer==true          null and booleans (freakboy3742/pyxero#181)
    Name.Contains("Ac")  Name.StartsWith("A")  Name.EndsWith("me")   Xero's unoptimised text
                                                    filters (xero-notes §5, "avoid Contains/StartsWith"),
                                                    method names in any case (pyxero#181 sends
                                                    `.contains`); `!` in front negates

A field the element does not have is refused, as Xero refuses it: 400 QueryParseException "No
property or field 'X' exists in type 'Payment'" (fields.py). A bare word is a field name, never
text: `PaymentType==ACCRECPAYMENT` is refused that way (XeroAPI/xero-node#47).

Anything else it cannot read is a 400 PostDataInvalidException, never a crash."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from xero_sandbox.accounting.fields import unknown_field
from xero_sandbox.errors import ApiError, post_data_invalid

_TEXT = r'"(?:[^"\\]|\\.)*"'
_METHOD = re.compile(
    rf'\s*(?P<negate>!)?\s*(?P<field>[A-Za-z][\w.]*?)\.(?P<method>contains|startswith|endswith)\(\s*'
    rf'(?P<value>{_TEXT})\s*\)\s*', re.IGNORECASE)
_CLAUSE = re.compile(
    r'\s*(?P<field>[A-Za-z][\w.]*)\s*(?P<op>==|!=|>=|<=|=|>|<)\s*'
    rf'(?P<value>{_TEXT}|(?i:guid)\(\s*"[^"]*"\s*\)|DateTime\(\s*\d+(?:\s*,\s*\d+){{2,5}}\s*\)|[\w.\-]+)\s*'
)
_JOIN = re.compile(r"\s*(AND|&&|OR|\|\|)\s*", re.IGNORECASE)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
MAX_LENGTH = 4000
_ORDER = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
_TEXT_TESTS = {"contains": str.__contains__, "startswith": str.startswith, "endswith": str.endswith}


@dataclass(frozen=True)
class FieldRef:
    """A bare word on the right of a comparison: Xero reads it as another field of the element."""

    path: str


@dataclass(frozen=True)
class Clause:
    field: str
    op: str  # a comparison, or contains / startswith / endswith
    value: object
    negate: bool = False


def query_parse_error(message: str) -> ApiError:
    return ApiError(400, {"ErrorNumber": 16, "Type": "QueryParseException", "Message": message})


def _value(text: str) -> object:
    if text.startswith('"'):
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if text[:5].lower() == "guid(":
        return text[text.index('"') + 1:text.rindex('"')]
    if text.startswith("DateTime("):
        parts = [int(part) for part in text[9:-1].split(",")]
        try:
            return date(*parts) if len(parts) == 3 else datetime(*parts, tzinfo=UTC)
        except (ValueError, OverflowError):
            raise post_data_invalid(f"'{text}' is not a valid date") from None
    literals = {"true": True, "false": False, "null": None}
    if text.lower() in literals:
        return literals[text.lower()]
    if _NUMBER.match(text):
        try:
            return Decimal(text)
        except InvalidOperation:
            pass
    return FieldRef(text)


def _clause(expression: str, position: int) -> tuple[Clause, int]:
    method = _METHOD.match(expression, position)
    if method:
        clause = Clause(method["field"], method["method"].lower(), _value(method["value"]), bool(method["negate"]))
        return clause, method.end()
    match = _CLAUSE.match(expression, position)
    if not match:
        raise post_data_invalid(f"Unable to parse the where clause near: {expression[position:position + 30]}")
    op = "==" if match["op"] == "=" else match["op"]
    return Clause(match["field"], op, _value(match["value"])), match.end()


def parse(expression: str, schema: str | None = None) -> list[list[Clause]]:
    """OR of ANDs: [[Clause, …], …]. With `schema` (a type of fields.py) every field named must be
    one the element has."""
    if len(expression) > MAX_LENGTH:
        raise post_data_invalid("The where clause is too long")
    groups: list[list[Clause]] = []
    current: list[Clause] = []
    position = 0
    expression = expression.strip()
    while position < len(expression):
        clause, position = _clause(expression, position)
        current.append(clause)
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
    groups = [group for group in groups if group]
    if schema is not None:
        _check_fields(groups, schema)
    return groups


def _check_fields(groups: list[list[Clause]], schema: str) -> None:
    for clause in (clause for group in groups for clause in group):
        for path in (clause.field, clause.value.path if isinstance(clause.value, FieldRef) else None):
            problem = unknown_field(path, schema) if path else None
            if problem:
                raise query_parse_error(problem)


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


def _compare(record: dict, clause: Clause) -> bool:
    expected = _field(record, clause.value.path) if isinstance(clause.value, FieldRef) else clause.value
    actual, expected = _comparable(_field(record, clause.field), expected)
    if clause.op in _TEXT_TESTS:
        found = isinstance(actual, str) and isinstance(expected, str) and _TEXT_TESTS[clause.op](actual, expected)
        return found != clause.negate
    if clause.op == "==":
        return actual == expected
    if clause.op == "!=":
        return actual != expected
    if actual is None:
        return False
    try:
        return bool(_ORDER[clause.op](actual, expected))
    except TypeError:
        return False


def matches(record: dict, groups: list[list[Clause]]) -> bool:
    return any(all(_compare(record, clause) for clause in group) for group in groups)


def filtered(records: list[dict], expression: str | None, schema: str | None = None) -> list[dict]:
    """The records the filter keeps. `schema` names the element type (fields.py) so an unknown
    field is refused as Xero refuses it; left out, field names are not checked."""
    if not expression or not expression.strip():
        return records
    groups = parse(expression, schema)
    return [record for record in records if matches(record, groups)]


def ordered(records: list[dict], expression: str | None, schema: str | None = None) -> list[dict]:
    """`order=UpdatedDateUTC ASC` or `order=Name DESC, Date` (Xero's "Requests and responses"
    page: a field and ASC or DESC, comma-separated), applied on top of the endpoint's default
    order; a field the element does not have is refused like one in `where`."""
    if not expression or not expression.strip():
        return records
    keys = []
    for part in expression.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise post_data_invalid(f"Unable to parse the order clause near: {part.strip()[:30]}")
        problem = unknown_field(words[0], schema) if schema else None
        if problem:
            raise query_parse_error(problem)
        keys.append((words[0], len(words) == 2 and words[1].upper() == "DESC"))
    result = list(records)
    for path, descending in reversed(keys):  # stable sorts, the last key first
        result.sort(key=lambda record, path=path: _sort_key(_field(record, path)), reverse=descending)
    return result


def _sort_key(value: object) -> tuple[int, str, object]:
    """Nulls first, then values of one kind compared with each other (text case-insensitively)."""
    if value is None:
        return (0, "", 0)
    if isinstance(value, str):
        return (1, "str", value.casefold())
    if isinstance(value, bool | int | Decimal | float):
        return (1, "number", Decimal(str(value)) if not isinstance(value, bool) else int(value))
    if isinstance(value, datetime):
        return (1, "datetime", value)
    if isinstance(value, date):
        return (1, "datetime", datetime(value.year, value.month, value.day, tzinfo=UTC))
    return (1, type(value).__name__, str(value))
