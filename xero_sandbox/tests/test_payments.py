"""Payments (xero-notes §7): recorded against AUTHORISED invoices, reversed by Status DELETED; the
invoice's AmountDue, AmountPaid and Status follow."""

from __future__ import annotations

from decimal import Decimal

import httpx

from xero_sandbox.tests.conftest import errors, invoice, money, new_contact


def _authorised(au, number="P-1", **overrides) -> dict:
    return au.one(au.put("Invoices", {"Invoices": [invoice(new_contact(au, f"Payer {number}"), number, **overrides)]}),
                  "Invoices")


def _pay(au, invoice_id, amount, **extra):
    return au.put("Payments", {"Payments": [{"Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": "10100"},
                                             "Date": "2026-05-01", "Amount": amount, **extra}]})


def test_it_records_part_and_full_payments_and_the_invoice_follows(au):
    created = _authorised(au)
    part = au.one(_pay(au, created["InvoiceID"], "10.00", Reference="EFT 1"), "Payments")
    assert part["Status"] == "AUTHORISED" and part["PaymentType"] == "ACCRECPAYMENT"
    assert money(part["Amount"]) == Decimal("10.00") and part["Date"] == "/Date(1777593600000+0000)/"
    half = au.get(f"Invoices/{created['InvoiceID']}").json()["Invoices"][0]
    assert (half["Status"], money(half["AmountPaid"]), money(half["AmountDue"])) == (
        "AUTHORISED", Decimal("10.00"), Decimal("100.00"))
    au.one(_pay(au, created["InvoiceID"], 100), "Payments")
    paid = au.get(f"Invoices/{created['InvoiceID']}").json()["Invoices"][0]
    assert (paid["Status"], money(paid["AmountDue"])) == ("PAID", Decimal("0.00"))
    assert paid["FullyPaidOnDate"].startswith("/Date(") and len(paid["Payments"]) == 2


def test_it_reverses_a_deleted_payment_and_reopens_the_invoice(au):
    created = _authorised(au)
    payment = au.one(_pay(au, created["InvoiceID"], "110.00"), "Payments")
    deleted = au.one(au.post(f"Payments/{payment['PaymentID']}", {"Payments": [{"Status": "DELETED"}]}), "Payments")
    assert deleted["Status"] == "DELETED"
    reopened = au.get(f"Invoices/{created['InvoiceID']}").json()["Invoices"][0]
    assert (reopened["Status"], money(reopened["AmountDue"])) == ("AUTHORISED", Decimal("110.00"))
    [again] = au.post(f"Payments/{payment['PaymentID']}", {"Payments": [{"Status": "DELETED"}]}).json()["Payments"]
    assert "already been deleted" in errors(again)[0]
    [edit] = au.post(f"Payments/{payment['PaymentID']}", {"Payments": [{"Amount": 5}]}).json()["Payments"]
    assert "can only be deleted" in errors(edit)[0]


def test_it_refuses_payments_xero_refuses(au, sandbox):
    created = _authorised(au)
    draft = au.one(au.put("Invoices", {"Invoices": [invoice(new_contact(au, "Drafty"), "P-2", Status="DRAFT")]}),
                   "Invoices")
    cases = [
        (_pay(au, draft["InvoiceID"], 1), "only be made against Authorised"),
        (_pay(au, created["InvoiceID"], "110.01"), "exceeds the amount outstanding"),
        (_pay(au, created["InvoiceID"], 0), "greater than zero"),
        (_pay(au, created["InvoiceID"], 1, Account={"Code": "41110"}), "bank account"),
        (_pay(au, created["InvoiceID"], 1, Account={"Code": "nope"}), "Account could not be found"),
        (_pay(au, "00000000-0000-0000-0000-000000000000", 1), "Invoice could not be found"),
    ]
    for answer, message in cases:
        [element] = answer.json()["Payments"]
        assert any(message in m for m in errors(element)), (message, errors(element))
    sandbox.set_lock_date(au.tenant, "2026-05-01")
    [locked] = _pay(au, created["InvoiceID"], 1).json()["Payments"]
    assert "period lock date (01/05/2026)" in errors(locked)[0]


def test_it_lists_payments_by_where_if_modified_since_and_pages(au, sandbox):
    first = _authorised(au, "P-10")
    second = _authorised(au, "P-11")
    a = au.one(_pay(au, first["InvoiceID"], 5), "Payments")
    sandbox.advance_clock(5)
    since = sandbox.sandbox.clock.now().strftime("%a, %d %b %Y %H:%M:%S GMT")
    sandbox.advance_clock(2)
    b = au.one(_pay(au, second["InvoiceID"], 6), "Payments")
    assert [p["PaymentID"] for p in au.get("Payments").json()["Payments"]] == [a["PaymentID"], b["PaymentID"]]
    assert [p["PaymentID"] for p in au.get("Payments", headers={"If-Modified-Since": since}).json()["Payments"]] == [
        b["PaymentID"]]
    where = f'Invoice.InvoiceID==guid("{first["InvoiceID"]}") AND Status=="AUTHORISED"'
    assert [p["PaymentID"] for p in au.get("Payments", where=where).json()["Payments"]] == [a["PaymentID"]]
    page = au.get("Payments", page="1", pageSize="1").json()
    assert page["pagination"]["itemCount"] == 2 and len(page["Payments"]) == 1
    assert au.get(f"Payments/{b['PaymentID']}").json()["Payments"][0]["Invoice"]["InvoiceNumber"] == "P-11"


def test_a_payment_made_in_xero_obeys_the_same_rules(au, sandbox):
    created = _authorised(au, "P-20")
    paid = sandbox.pay_invoice(au.tenant, invoice_number="P-20", amount="110.00", date="2026-05-02")
    assert paid["Status"] == "AUTHORISED" and paid["Reference"] == "Paid in Xero"
    assert au.get(f"Invoices/{created['InvoiceID']}").json()["Invoices"][0]["Status"] == "PAID"
    over = httpx.post(f"{sandbox.base_url}/_sandbox/tenants/{au.tenant}/payments",
                      json={"invoice_number": "P-20", "amount": "1.00"})
    assert over.status_code == 400 and "Authorised" in over.json()["error"]


def test_a_payment_deleted_in_xero_reopens_the_invoice(au, sandbox):
    created = _authorised(au, "P-30")
    paid = sandbox.pay_invoice(au.tenant, invoice_id=created["InvoiceID"], amount="110.00")
    assert sandbox.delete_payment(au.tenant, paid["PaymentID"])["Status"] == "DELETED"
    assert au.get(f"Invoices/{created['InvoiceID']}").json()["Invoices"][0]["Status"] == "AUTHORISED"
    assert httpx.post(f"{sandbox.base_url}/_sandbox/tenants/{au.tenant}/payments/nope/delete").status_code == 404
