"""Bad input gets the status and body shape Xero gives; the sandbox never crashes on it."""

from __future__ import annotations

import httpx
import pytest

from xero_sandbox.tests.conftest import Api


def test_it_answers_401_problem_details_without_a_usable_bearer(sandbox, au):
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic abc"}):
        answer = httpx.get(f"{sandbox.api_url}/Organisation", headers={"xero-tenant-id": au.tenant, **headers})
        assert answer.status_code == 401 and answer.headers["www-authenticate"].startswith("Bearer")
        body = answer.json()
        assert (body["Title"], body["Status"], body["Detail"]) == ("Unauthorized", 401, "AuthenticationUnsuccessful")


def test_it_answers_403_for_a_missing_unknown_or_unconnected_tenant(sandbox):
    tokens = sandbox.mint_grant(tenant_ids=[sandbox.tenant_id("AU")])
    for tenant in ("", "00000000-0000-0000-0000-000000000000", sandbox.tenant_id("NZ")):
        answer = httpx.get(f"{sandbox.api_url}/Organisation", headers=sandbox.api_headers(tokens, tenant))
        assert answer.status_code == 403
        assert (answer.json()["Title"], answer.json()["Detail"]) == ("Forbidden", "AuthenticationUnsuccessful")


def test_it_refuses_calls_outside_the_tokens_scopes(sandbox):
    tokens = sandbox.mint_grant(scope="offline_access accounting.settings.read accounting.contacts.read "
                                      "accounting.payments.read")
    api = Api(sandbox, sandbox.tenant_id("AU"), tokens)
    assert api.get("Organisation").status_code == 200 and api.get("Contacts").status_code == 200
    assert api.get("Payments").status_code == 200
    for answer in (api.put("Contacts", {"Contacts": [{"Name": "No"}]}), api.get("Invoices"),
                   api.put("Payments", {"Payments": []})):
        assert answer.status_code == 401 and "insufficient_scope" in answer.headers["www-authenticate"]
    broad = Api(sandbox, sandbox.tenant_id("AU"), sandbox.mint_grant(user_id="old-app-user",
                                                                      scope="accounting.transactions.read"))
    assert broad.get("Invoices").status_code == 200  # the deprecated broad scope still reads transactions


def test_it_answers_malformed_json_with_a_post_data_invalid_exception(sandbox, au):
    for content in (b"{not json", b'{"Contacts": [1, 2]}', b"[]", b'"text"', b"[" * 100_000):
        answer = httpx.put(f"{sandbox.api_url}/Contacts", content=content,
                           headers=au.headers(**{"Content-Type": "application/json"}))
        assert answer.status_code == 400, content[:20]
        assert answer.json()["Type"] == "PostDataInvalidException"


def test_it_answers_a_wrong_content_type_with_415(sandbox, au):
    answer = httpx.put(f"{sandbox.api_url}/Contacts", content=b"<Contacts/>",
                       headers=au.headers(**{"Content-Type": "application/xml"}))
    assert answer.status_code == 415 and answer.json()["Title"] == "Unsupported Media Type"


def test_it_answers_a_body_over_three_and_a_half_megabytes_with_413(sandbox, au):
    answer = httpx.put(f"{sandbox.api_url}/Contacts", content=b" " * 3_600_000,
                       headers=au.headers(**{"Content-Type": "application/json"}))
    assert answer.status_code == 413 and answer.headers["content-type"].startswith("text/plain")


def test_it_answers_unknown_endpoints_and_paths_with_404(sandbox, au):
    answer = au.get("Widgets")
    assert answer.status_code == 404 and answer.json()["Title"] == "Not Found"


@pytest.mark.parametrize("params", [{"page": "x"}, {"where": 'Name=="unterminated'}, {"where": "1 == 1 ==="}])
def test_it_answers_unreadable_parameters_with_a_400(au, params):
    answer = au.get("Contacts", **params)
    assert answer.status_code == 400 and answer.json()["Type"] == "PostDataInvalidException"


@pytest.mark.parametrize("element", [
    {"Name": 12}, {"Name": ["a"]}, {"Name": "x", "Addresses": "street"}, {"Name": "y", "PaymentTerms": 5},
    {"Name": "z", "ContactStatus": 7}, {"Name": None}, {"Name": "w", "Phones": [None]},
    {"Name": "v", "DefaultCurrency": "XYZ"},
])
def test_it_refuses_odd_contact_elements_without_crashing(au, element):
    answer = au.put("Contacts", {"Contacts": [element]})
    assert answer.status_code == 200 and answer.json()["Contacts"][0]["StatusAttributeString"] == "ERROR"


@pytest.mark.parametrize("change", [
    {"LineItems": "lots"}, {"LineItems": [None]}, {"Contact": "Acme"}, {"Date": {"y": 1}}, {"InvoiceNumber": 5},
    {"LineItems": [{"Description": "x", "Quantity": True, "AccountCode": "41110"}]},
    {"LineItems": [{"Description": "x", "UnitAmount": "NaN", "AccountCode": "41110"}]},
    {"LineItems": [{"Description": "x", "Tracking": "Sydney", "AccountCode": "41110"}]},
    {"Status": ["DRAFT"]}, {"InvoiceID": {"x": 1}}, {"SentToContact": "yes"}, {"Url": 5},
])
def test_it_refuses_odd_invoice_elements_without_crashing(au, change):
    element = {"Type": "ACCREC", "Contact": {"Name": "Harbour Tools Pty Ltd"}, "Status": "DRAFT",
               "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 1, "AccountCode": "41110"}], **change}
    answer = au.post("Invoices", {"Invoices": [element]})
    assert (answer.status_code in (200, 400) and "Invoices" in answer.json()) or "Type" in answer.json()


@pytest.mark.parametrize("element", [
    {"Narration": "n", "JournalLines": "two"}, {"Narration": 5, "JournalLines": []}, {"Narration": "n", "Date": 7,
                                                                                      "JournalLines": [None, None]},
    {"Narration": "n", "Status": "ARCHIVED", "JournalLines": []}, {"Narration": "n", "LineAmountTypes": 3},
    {"Narration": "n", "ShowOnCashBasisReports": "no", "JournalLines": []},
])
def test_it_refuses_odd_journal_elements_without_crashing(au, element):
    answer = au.put("ManualJournals", {"ManualJournals": [element]})
    assert answer.status_code == 200 and answer.json()["ManualJournals"][0]["StatusAttributeString"] == "ERROR"


def test_it_refuses_odd_payment_elements_without_crashing(au):
    for element in ({"Invoice": "x", "Amount": 1}, {"Invoice": {"InvoiceID": 5}, "Account": [], "Amount": "1e999"},
                    {"Amount": {"a": 1}}):
        answer = au.put("Payments", {"Payments": [element]})
        assert answer.status_code == 200 and answer.json()["Payments"][0]["StatusAttributeString"] == "ERROR"


def test_it_answers_a_broken_token_request_with_an_oauth_error(sandbox):
    answer = httpx.post(f"{sandbox.base_url}/identity/connect/token", content=b"\xff\xfe%%%",
                        headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert answer.status_code in (400, 401) and "error" in answer.json()
