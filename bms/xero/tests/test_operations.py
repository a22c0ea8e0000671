"""The operations registry (bms/xero/client/operations.py) and Xero's formats: what the client may
send, checked before it leaves; If-Modified-Since in the form Xero's description types."""

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from bms.xero.client.operations import OPERATIONS, UnlistedRequestError, operation_check
from bms.xero.client.xerodates import format_if_modified_since
from bms.xero.models import PullCursor
from bms.xero.services.payments import OVERLAP, payments_pull
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import xero_client
from xero_sandbox.contract import require_spec_files

SPEC_FILE = Path(__file__).resolve().parents[4] / "shared" / "xero-openapi" / "xero_accounting.yaml"
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_if_modified_since_is_utc_iso_8601_to_the_second_with_z():
    sydney = timezone(timedelta(hours=11))
    assert format_if_modified_since(datetime(2026, 12, 5, 4, 16, 45, 987654, tzinfo=sydney)) == "2026-12-04T17:16:45Z"
    assert format_if_modified_since(datetime(2026, 12, 4, 17, 16, 45, tzinfo=UTC)) == "2026-12-04T17:16:45Z"
    with pytest.raises(ValueError, match="aware"):
        format_if_modified_since(datetime(2026, 12, 4, 17, 16, 45))  # noqa: DTZ001 (the naive one it refuses)


def test_the_check_refuses_an_unlisted_operation_parameter_header_or_path():
    operation_check("getInvoices", method="GET", path="Invoices", params={"page": "1"}, headers={})
    refused = [
        ("getBankTransactions", "GET", "BankTransactions", {}, {}),
        ("getInvoices", "GET", "Invoices", {"summaryOnly": "true"}, {}),
        ("getInvoices", "PUT", "Invoices", {}, {}),
        ("getInvoices", "GET", "Invoices/123", {}, {}),
        ("getAccounts", "GET", "Accounts", {}, {"If-Modified-Since": "2026-12-04T17:16:45Z"}),
    ]
    for operation, method, path, params, headers in refused:
        with pytest.raises(UnlistedRequestError):
            operation_check(operation, method=method, path=path, params=params, headers=headers)


@pytest.mark.django_db
def test_the_client_sends_nothing_the_registry_does_not_list(connected, sandbox):
    sandbox.clear_log()
    with xero_client(connected) as client, pytest.raises(UnlistedRequestError, match="summaryOnly"):
        client._call("getContacts", "GET", "Contacts", params={"summaryOnly": "true"})
    assert sandbox.log(connected.xero_tenant_id) == []  # refused before it left


@pytest.mark.django_db
def test_a_pull_with_a_cursor_sends_if_modified_since_as_iso_z(connected, sandbox):
    cursor_at = datetime(2026, 12, 4, 17, 21, 45, tzinfo=UTC)
    PullCursor.objects.create(tenant=connected, resource="payments", modified_since=cursor_at)
    sandbox.configure(record_traffic=True)
    with xero_client(connected) as client:
        payments_pull(tenant=connected, client=client, log=CollectingLog())
    sent = {e["path"].rsplit("/", 1)[-1]: e["headers"].get("if-modified-since") for e in sandbox.traffic()}
    expected = format_if_modified_since(cursor_at - OVERLAP)
    assert expected == "2026-12-04T17:16:45Z" and ISO_Z.match(expected)
    assert sent["Payments"] == sent["Invoices"] == expected


@pytest.fixture(scope="module")
def spec_operations():
    require_spec_files(SPEC_FILE)  # skips on a developer machine without it; fails in CI
    document = yaml.load(SPEC_FILE.read_text(), Loader=yaml.CSafeLoader)
    shared = document["components"]["parameters"]
    found = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                params = [shared[p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p
                          for p in operation.get("parameters", [])]
                found[operation["operationId"]] = (method.upper(), path.lstrip("/"),
                                                   {p["name"]: p["in"] for p in params})
    return found


def test_every_listed_operation_and_parameter_is_xeros(spec_operations):
    for operation in OPERATIONS.values():
        method, path, params = spec_operations[operation.operation_id]
        assert (operation.method, operation.path) == (method, path), operation.operation_id
        for name in operation.params:
            assert params.get(name) == "query", (operation.operation_id, name)
        for name in operation.headers:
            assert params.get(name) == "header", (operation.operation_id, name)
