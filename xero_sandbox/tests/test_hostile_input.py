"""Garbage at every Accounting endpoint and at the OAuth endpoints: the sandbox answers it with a
4xx in Xero's shape, never a 500 (property-based, hypothesis)."""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xero_sandbox.accounting import ENDPOINTS
from xero_sandbox.testing import run_sandbox

pytestmark = pytest.mark.slow

EDGE_TEXT = ["", " ", "0", "-1", "-0.01", "1e309", "NaN", "Infinity", "9" * 40, "79228162514264337593543950335",
             "0.000000001", "2026-02-30", "0000-00-00", "/Date(-99999999999999)/", "\x00", "🙂" * 50,
             "<script>alert(1)</script>", "'; DROP TABLE contacts; --", "a" * 10_000, "\ud7ff", "ﬀ", "null"]
text = st.one_of(st.sampled_from(EDGE_TEXT), st.text(max_size=40))
numbers = st.one_of(st.integers(min_value=-(10**30), max_value=10**30), st.floats(allow_nan=False), text)
scalars = st.one_of(st.none(), st.booleans(), numbers, text)
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                           st.dictionaries(text, inner, max_size=4)), max_leaves=12)
FIELDS = ["Name", "ContactNumber", "ContactID", "InvoiceNumber", "InvoiceID", "Type", "Status", "Date", "DueDate",
          "LineItems", "Quantity", "UnitAmount", "AccountCode", "TaxType", "Contact", "Amount", "Invoice",
          "Account", "Narration", "JournalLines", "LineAmount", "LineAmountTypes", "CurrencyCode", "Reference"]
records = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8)
bodies = st.one_of(
    st.fixed_dictionaries({}, optional={key: st.lists(records, max_size=3) for key in
                                        ("Contacts", "Invoices", "Payments", "ManualJournals")}),
    json_values,
)
WRITES = [endpoint for endpoint in ENDPOINTS if endpoint.method != "GET"]
READS = [endpoint for endpoint in ENDPOINTS if endpoint.method == "GET"]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with run_sandbox(tmp_path_factory.mktemp("hostile")) as handle:
        yield handle


@pytest.fixture(scope="module")
def headers(sandbox):
    return sandbox.api_headers(sandbox.mint_grant(), sandbox.tenant_id("AU"))


def _header(value: str) -> str:
    # What can travel in a header at all (the client refuses control characters before sending).
    return "".join(char for char in value if 32 < ord(char) < 127)[:200] or "x"


def _path(endpoint, ref: str) -> str:
    # Percent-encoded: the garbage must reach the server, not stop at the client's URL check.
    return endpoint.path.replace("{ref}", quote(ref, safe="") or "x")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(endpoint=st.sampled_from(WRITES), body=bodies, ref=text, summarize=st.sampled_from(["", "false", "x"]))
def test_it_never_answers_a_500_to_a_garbage_write(sandbox, headers, endpoint, body, ref, summarize):
    url = sandbox.api_url + _path(endpoint, ref)
    answer = httpx.request(endpoint.method, url, content=json.dumps(body).encode(),
                           params={"summarizeErrors": summarize} if summarize else None,
                           headers={**headers, "Content-Type": "application/json"}, timeout=10)
    assert answer.status_code < 500, answer.text[:500]
    if answer.status_code >= 400 and answer.headers.get("content-type", "").startswith("application/json"):
        assert answer.json()  # a body that says what was wrong


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(endpoint=st.sampled_from(READS), ref=text,
       params=st.dictionaries(st.sampled_from(["where", "order", "page", "IDs", "ContactIDs", "Statuses",
                                               "InvoiceNumbers", "includeArchived", "summaryOnly", "pageSize"]),
                              text, max_size=4),
       modified=st.one_of(st.none(), text))
def test_it_never_answers_a_500_to_garbage_filters(sandbox, headers, endpoint, ref, params, modified):
    extra = {"If-Modified-Since": _header(modified)} if modified else {}
    url = sandbox.api_url + _path(endpoint, ref)
    answer = httpx.get(url, params=params, headers={**headers, **extra}, timeout=10)
    assert answer.status_code < 500, answer.text[:500]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=st.dictionaries(st.sampled_from(["grant_type", "code", "refresh_token", "code_verifier", "redirect_uri",
                                             "client_id", "token"]), text, max_size=5),
       basic=st.one_of(st.none(), text), path=st.sampled_from(["/identity/connect/token",
                                                               "/identity/connect/revocation"]))
def test_it_never_answers_a_500_to_a_garbage_token_request(sandbox, form, basic, path):
    headers = {"Authorization": "Basic " + _header(basic)} if basic else {}
    answer = httpx.post(sandbox.base_url + path, data=form, headers=headers, timeout=10)
    assert answer.status_code < 500, answer.text[:500]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(st.sampled_from(["response_type", "client_id", "redirect_uri", "scope", "state",
                                              "code_challenge", "code_challenge_method"]), text, max_size=7))
def test_it_never_answers_a_500_to_a_garbage_consent_request(sandbox, query):
    answer = httpx.get(sandbox.base_url + "/identity/connect/authorize", params=query, timeout=10)
    assert answer.status_code < 500, answer.text[:500]
