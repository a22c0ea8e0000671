"""One structured log format for every process (web, worker, scheduler), chosen in settings.

A line carries its message and, in `extra={"fields": {...}}`, the facts an operator filters on
(job, tenant, operation, outcome, remaining limits):

    logger.info("xero call", extra={"fields": {"job": 12, "tenant": "…", "outcome": "ok"}})

BMS_LOG_FORMAT=json (for a log shipper): one JSON object per line. The default, `plain`, is
for people: `2026-04-23 01:00:00 INFO bms.xero.calls xero call job=12 tenant=… outcome=ok`.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime


def _fields(record: logging.LogRecord) -> dict:
    fields = getattr(record, "fields", None)
    return fields if isinstance(fields, dict) else {}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "at": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info or record.exc_text:
            # exc_text first: the redaction filter (logfilters.py) leaves its cleaned traceback there.
            line["error"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = _fields(record)
        if not fields:
            return line
        pairs = " ".join(f"{key}={_value(value)}" for key, value in fields.items())
        head, _, rest = line.partition("\n")  # a traceback stays below the line
        return f"{head} {pairs}" + (f"\n{rest}" if rest else "")


def _value(value: object) -> str:
    text = "" if value is None else str(value)
    return json.dumps(text) if (not text or any(c in text for c in ' "=')) else text
