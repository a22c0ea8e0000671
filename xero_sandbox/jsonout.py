"""JSON answers with Decimal amounts written digit for digit, as Xero writes them (never through
float)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from starlette.responses import Response


def dumps(value: object) -> bytes:
    parts: list[str] = []
    _encode(value, parts)
    return "".join(parts).encode()


def _encode(value: object, out: list[str]) -> None:
    if isinstance(value, Decimal):
        out.append(format(value, "f"))
    elif value is None or isinstance(value, bool | int | float | str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, datetime | date):
        out.append(json.dumps(value.isoformat()))
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple | set):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        out.append(json.dumps(str(value)))


class XeroJSON(Response):
    media_type = "application/json; charset=utf-8"

    def render(self, content: object) -> bytes:
        return dumps(content)
