"""The contract checker itself: it passes a real scenario and catches answers that break Xero's
description (every other test's traffic is checked by the `make_sandbox` fixture)."""

from __future__ import annotations

import pytest

from xero_sandbox.contract import contract_problems, require_spec_files
from xero_sandbox.tests.conftest import invoice, new_contact


@pytest.fixture(autouse=True)
def _spec_files():
    require_spec_files()  # skips on a developer machine without them; fails in CI


def test_a_full_scenario_matches_xeros_description(sandbox, au):
    contact_id = new_contact(au, "Contract Co", ContactNumber="K1", EmailAddress="a@contract.example.com")
    created = au.one(au.put("Invoices", {"Invoices": [invoice(contact_id, "K-1")]}, key="i1", unitdp="4"), "Invoices")
    au.put("Invoices", {"Invoices": [invoice(contact_id, "K-1")]}, summarize=True)
    payment = au.one(au.put("Payments", {"Payments": [{"Invoice": {"InvoiceID": created["InvoiceID"]},
                                                       "Account": {"Code": "10100"}, "Amount": "5.00"}]}), "Payments")
    au.post(f"Payments/{payment['PaymentID']}", {"Payments": [{"Status": "DELETED"}]})
    au.put("ManualJournals", {"ManualJournals": [{"Narration": "K", "Status": "POSTED", "JournalLines": [
        {"LineAmount": "12.34", "AccountCode": "51110"}, {"LineAmount": "-12.34", "AccountCode": "14410"}]}]})
    au.put("ManualJournals", {"ManualJournals": [{"JournalLines": []}]})  # refused, echoed without a Narration
    for path in ("Organisation", "Accounts", "TaxRates", "Contacts", "Invoices", "Payments", "ManualJournals"):
        au.get(path, page="1") if path in ("Contacts", "Invoices", "Payments", "ManualJournals") else au.get(path)
    sandbox.configure(minute_limit=0)
    au.get("Organisation")  # a 429
    problems = contract_problems(sandbox.traffic())
    assert problems == []
    assert {e["status"] for e in sandbox.traffic()} >= {200, 400, 429}


def test_it_catches_an_answer_outside_the_description(sandbox, au):
    au.get("Organisation")
    [exchange] = [e for e in sandbox.traffic() if e["path"].endswith("/Organisation")]
    broken = {**exchange, "body": exchange["body"].replace(b'"Version":"AU"', b'"Version":"MARS"')}
    undocumented = {**exchange, "status": 418, "body": b"teapot", "content_type": "text/plain"}
    assert len(contract_problems([broken, undocumented])) == 2
    sandbox.sandbox.store.traffic.clear()  # keep the fixture's own check to real answers
