import json
import logging

from bms.core.logformat import JsonFormatter, KeyValueFormatter


def _record(fields=None):
    record = logging.LogRecord("bms.xero.calls", logging.INFO, __file__, 1, "xero call", (), None)
    if fields is not None:
        record.fields = fields
    return record


def test_a_json_line_carries_the_message_and_the_fields():
    line = json.loads(JsonFormatter().format(_record({"job": 12, "tenant": "t-1", "outcome": "ok",
                                                      "minute_remaining": 58})))
    assert line["message"] == "xero call" and line["level"] == "info" and line["logger"] == "bms.xero.calls"
    assert (line["job"], line["tenant"], line["outcome"], line["minute_remaining"]) == (12, "t-1", "ok", 58)


def test_a_plain_line_ends_with_the_fields_as_key_value_pairs_quoted_when_needed():
    line = KeyValueFormatter("%(name)s %(message)s").format(_record({"job": 12, "result": "Completed: 3 done"}))
    assert line == 'bms.xero.calls xero call job=12 result="Completed: 3 done"'
    assert KeyValueFormatter("%(message)s").format(_record()) == "xero call"
