"""Every answer the sandbox gives in this scenario validates against Xero's own OpenAPI description
(../shared/xero-openapi/, read in place, never copied)."""

from pathlib import Path

import pytest
import yaml

from xero_sandbox.testing import run_sandbox
from xero_sandbox.tests.conftest import Api

SPEC_DIR = Path(__file__).resolve().parents[3] / "shared" / "xero-openapi"


@pytest.fixture(scope="module")
def accounting_spec():
    if not (SPEC_DIR / "xero_accounting.yaml").exists():
        pytest.skip(f"Xero's OpenAPI description is not at {SPEC_DIR}")
    from openapi_core import Config, OpenAPI

    spec = yaml.load((SPEC_DIR / "xero_accounting.yaml").read_text(), Loader=yaml.CSafeLoader)
    # The file does not pass its own spec validation; the schemas are what we check against.
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


def _scenario(sandbox):
    api = Api(sandbox, sandbox.tenant_id("AU"), sandbox.mint_grant())
    api.get("Organisation")
    api.get("Accounts")
    api.get("TaxRates")
    contact = api.write("PUT", "Contacts", {"Contacts": [{"Name": "Contract Co", "ContactNumber": "K1",
                                                          "EmailAddress": "a@contract.example.com"}]}, key="c1")
    contact_id = contact.json()["Contacts"][0]["ContactID"]
    api.write("PUT", "Contacts", {"Contacts": [{"Name": "Contract Co"}]})  # a refused element
    api.write("POST", "Contacts", {"Contacts": [{"ContactID": contact_id, "Phones": [
        {"PhoneType": "DEFAULT", "PhoneNumber": "555"}]}]})
    api.get("Contacts", where='Name=="Contract Co"', includeArchived="true", page="1")
    api.get(f"Contacts/{contact_id}")
    invoice = {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "InvoiceNumber": "K-1", "Date": "2026-05-04",
               "DueDate": "2026-06-04", "Status": "AUTHORISED", "LineAmountTypes": "Exclusive",
               "LineItems": [{"Description": "Lathe", "Quantity": 2, "UnitAmount": "10.5", "AccountCode": "41110",
                              "TaxType": "OUTPUT", "Tracking": [{"Name": "Region", "Option": "Sydney"}]}]}
    created = api.write("PUT", "Invoices", {"Invoices": [invoice]}, key="i1", unitdp="4")
    invoice_id = created.json()["Invoices"][0]["InvoiceID"]
    api.write("PUT", "Invoices", {"Invoices": [invoice]})  # "Invoice # must be unique."
    api.write("PUT", "Invoices", {"Invoices": [invoice]}, summarize=True)  # a ValidationException
    api.write("POST", "Invoices", {"Invoices": [{"InvoiceID": invoice_id, "Reference": "PO-1"}]})
    api.get("Invoices", InvoiceNumbers="K-1", page="1")
    api.get(f"Invoices/{invoice_id}")
    payment = api.write("PUT", "Payments", {"Payments": [{"Invoice": {"InvoiceID": invoice_id},
                                                          "Account": {"Code": "10100"}, "Date": "2026-05-05",
                                                          "Amount": "5.00"}]})
    payment_id = payment.json()["Payments"][0]["PaymentID"]
    api.get("Payments", where='Status=="AUTHORISED"', page="1")
    api.write("POST", f"Payments/{payment_id}", {"Payments": [{"Status": "DELETED"}]})
    journal = {"ManualJournals": [{"Narration": "Cost of sales [K]", "Date": "2026-05-04", "Status": "POSTED",
                                   "JournalLines": [{"LineAmount": "12.34", "AccountCode": "51110"},
                                                    {"LineAmount": "-12.34", "AccountCode": "14410"}]}]}
    api.write("PUT", "ManualJournals", journal, key="j1")
    api.get("ManualJournals", where='Narration=="Cost of sales [K]"')
    api.get("Organisation")  # rate-limited below
    sandbox.configure(minute_limit=0)
    api.get("Organisation")


def test_it_answers_only_what_xeros_openapi_description_allows(tmp_path, accounting_spec):
    from openapi_core.testing import MockRequest, MockResponse

    with run_sandbox(tmp_path / "s", record_traffic=True) as sandbox:
        _scenario(sandbox)
        traffic = list(sandbox.sandbox.store.traffic)
    assert len(traffic) >= 20
    problems = []
    for exchange in traffic:
        request = MockRequest("https://api.xero.com", exchange["method"].lower(), exchange["path"],
                              args=exchange["query"], headers=exchange["headers"],
                              content_type=exchange["headers"].get("content-type", "application/json"),
                              data=exchange["request_body"] or None)
        response = MockResponse(exchange["body"], status_code=exchange["status"],
                                content_type=exchange["content_type"].split(";")[0])
        if exchange["status"] == 429:
            continue  # the spec documents no 429 body; the headers are checked by test_limits
        try:
            accounting_spec.validate_response(request, response)
        except Exception as exc:  # collect all, so one run shows every mismatch
            cause = getattr(exc, "__cause__", None) or exc
            details = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:160]}"
                       for e in getattr(cause, "schema_errors", [])] or [repr(cause)[:300]]
            problems.append(f"{exchange['method']} {exchange['path']} {exchange['status']}: {details}")
    assert problems == []


def test_it_lists_connections_as_xeros_identity_description_says(sandbox):
    import httpx2
    from openapi_core import Config, OpenAPI
    from openapi_core.testing import MockRequest, MockResponse

    if not (SPEC_DIR / "xero-identity.yaml").exists():
        pytest.skip(f"Xero's identity description is not at {SPEC_DIR}")
    spec = yaml.load((SPEC_DIR / "xero-identity.yaml").read_text(), Loader=yaml.CSafeLoader)
    identity = OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))
    tokens = sandbox.mint_grant()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    answer = httpx2.get(f"{sandbox.base_url}/connections", headers=bearer)
    request = MockRequest("https://api.xero.com", "get", "/Connections")  # the spec spells it so
    identity.validate_response(request, MockResponse(answer.content, status_code=200, content_type="application/json"))
    assert len(answer.json()) == 2
