"""Fixtures for the sandbox's own suite: a sandbox per test over real HTTP, recording its traffic;
when the test ends every answer it gave is checked against Xero's OpenAPI descriptions (so the
contract covers the whole suite, not one scenario)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from xero_sandbox.contract import contract_problems, specs_available
from xero_sandbox.testing import SandboxHandle, run_sandbox


@pytest.fixture
def make_sandbox(tmp_path):
    """Start sandboxes with settings of a test's choosing: `make_sandbox(minute_limit=3)`."""
    handles: list[SandboxHandle] = []
    stack = []

    def start(data_dir=None, **config) -> SandboxHandle:
        config.setdefault("record_traffic", True)
        manager = run_sandbox(data_dir, **config)
        handle = manager.__enter__()
        stack.append(manager)
        handles.append(handle)
        return handle

    yield start
    traffic = [exchange for handle in handles for exchange in handle.traffic()]
    for manager in reversed(stack):
        manager.__exit__(None, None, None)
    if specs_available():
        assert contract_problems(traffic) == []


@pytest.fixture
def sandbox(make_sandbox) -> SandboxHandle:
    return make_sandbox()


class Api:
    """A bare Accounting API client for one tenant: what a Xero app sends, nothing of BMS."""

    def __init__(self, sandbox: SandboxHandle, tenant: str, tokens: dict):
        self.sandbox, self.tenant, self.tokens = sandbox, tenant, tokens

    def headers(self, **extra: str) -> dict[str, str]:
        return self.sandbox.api_headers(self.tokens, self.tenant, **extra)

    def get(self, path: str, headers: dict | None = None, **params) -> httpx.Response:
        return httpx.get(f"{self.sandbox.api_url}/{path}", headers={**self.headers(), **(headers or {})},
                         params=params, timeout=30)

    def write(self, method: str, path: str, body, *, key: str | None = None, summarize: bool = False,
              **params) -> httpx.Response:
        headers = self.headers(**({"Idempotency-Key": key} if key else {}))
        if not summarize:
            params["summarizeErrors"] = "false"
        return httpx.request(method, f"{self.sandbox.api_url}/{path}", headers=headers, json=body, params=params,
                             timeout=30)

    def put(self, path: str, body, **kwargs) -> httpx.Response:
        return self.write("PUT", path, body, **kwargs)

    def post(self, path: str, body, **kwargs) -> httpx.Response:
        return self.write("POST", path, body, **kwargs)

    def one(self, response: httpx.Response, key: str) -> dict:
        """The single element of a write's answer."""
        assert response.status_code == 200, response.text
        [element] = response.json()[key]
        return element


@pytest.fixture
def au(sandbox) -> Api:
    return Api(sandbox, sandbox.tenant_id("AU"), sandbox.mint_grant())


@pytest.fixture
def nz(sandbox, au) -> Api:
    return Api(sandbox, sandbox.tenant_id("NZ"), au.tokens)


def money(value) -> Decimal:
    return Decimal(str(value))


def errors(element: dict) -> list[str]:
    return [e["Message"] for e in element.get("ValidationErrors", [])]


def new_contact(api: Api, name: str = "Bright Tools Pty Ltd", **fields) -> str:
    return api.one(api.put("Contacts", {"Contacts": [{"Name": name, **fields}]}), "Contacts")["ContactID"]


def invoice(contact_id: str, number: str = "AU-000001", **overrides) -> dict:
    body = {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "InvoiceNumber": number, "Date": "2026-04-23",
            "DueDate": "2026-05-23", "Status": "AUTHORISED", "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": "Lathe", "Quantity": 1, "UnitAmount": "100.00", "AccountCode": "41110",
                           "TaxType": "OUTPUT"}]}
    body.update(overrides)
    return body
