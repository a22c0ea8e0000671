"""Credit notes, allocations and refunds as Xero keeps them (accounting/credit_notes.py,
allocations.py, payments.py): totals per line, the status rules, and an invoice's AmountDue,
AmountCredited and Status following the credit allocated to it and taken back."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from xero_sandbox.tests.conftest import errors, invoice, money, new_contact


def credit_note(contact_id: str, number: str = "CN-AU-1", **overrides) -> dict:
    body = {"Type": "ACCRECCREDIT", "Contact": {"ContactID": contact_id}, "CreditNoteNumber": number,
            "Date": "2026-04-24", "Status": "AUTHORISED", "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": "Lathe returned", "Quantity": 1, "UnitAmount": "40.00",
                           "AccountCode": "41110", "TaxType": "OUTPUT"}]}
    body.update(overrides)
    return body


@pytest.fixture
def sale(au):
    """An AUTHORISED invoice of 110.00 (100 + 10% GST) and its customer."""
    contact = new_contact(au, "Credit Customer")
    created = au.one(au.put("Invoices", {"Invoices": [invoice(contact, "INV-CN-1")]}), "Invoices")
    return contact, created


def _note(au, contact, number="CN-AU-1", **overrides) -> dict:
    return au.one(au.put("CreditNotes", {"CreditNotes": [credit_note(contact, number, **overrides)]}), "CreditNotes")


def _allocate(au, note_id, invoice_id, amount, *, key=None, date="2026-04-25"):
    return au.put(f"CreditNotes/{note_id}/Allocations",
                  {"Allocations": [{"Invoice": {"InvoiceID": invoice_id}, "Amount": amount, "Date": date}]}, key=key)


def _invoice(au, invoice_id) -> dict:
    return au.get(f"Invoices/{invoice_id}").json()["Invoices"][0]


def _read(au, note_id) -> dict:
    return au.get(f"CreditNotes/{note_id}").json()["CreditNotes"][0]


def test_a_part_return_of_two_lines_with_mixed_tax_is_totalled_per_line(au, sale):
    contact, _ = sale
    lines = [{"Description": "Lathe returned", "Quantity": "2", "UnitAmount": "33.335", "AccountCode": "41110",
              "TaxType": "OUTPUT"},
             {"Description": "Manual (GST free)", "Quantity": 1, "UnitAmount": "12.50", "AccountCode": "41110",
              "TaxType": "EXEMPTOUTPUT"}]
    note = au.one(au.put("CreditNotes", {"CreditNotes": [credit_note(contact, LineItems=lines)]}, unitdp="4"),
                  "CreditNotes")
    # 2 × 33.335 = 66.67 (half-up), GST 6.667 → 6.67 on that line only; the free line carries none.
    assert [(money(li["LineAmount"]), money(li["TaxAmount"])) for li in note["LineItems"]] == [
        (Decimal("66.67"), Decimal("6.67")), (Decimal("12.50"), Decimal("0.00"))]
    assert (money(note["SubTotal"]), money(note["TotalTax"]), money(note["Total"])) == (
        Decimal("79.17"), Decimal("6.67"), Decimal("85.84"))
    assert money(note["RemainingCredit"]) == Decimal("85.84") and note["Status"] == "AUTHORISED"
    assert note["Type"] == "ACCRECCREDIT" and note["CreditNoteNumber"] == "CN-AU-1"


def test_an_allocation_lowers_the_amount_due_and_removing_it_restores_it(au, sale):
    contact, sold = sale
    note = _note(au, contact)  # 44.00
    allocation = au.one(_allocate(au, note["CreditNoteID"], sold["InvoiceID"], "44.00"), "Allocations")
    assert money(allocation["Amount"]) == Decimal("44.00") and allocation["AllocationID"]
    assert allocation["Invoice"]["InvoiceID"] == sold["InvoiceID"]
    credited = _invoice(au, sold["InvoiceID"])
    assert (money(credited["AmountDue"]), money(credited["AmountCredited"]), credited["Status"]) == (
        Decimal("66.00"), Decimal("44.00"), "AUTHORISED")
    assert [money(c["AppliedAmount"]) for c in credited["CreditNotes"]] == [Decimal("44.00")]
    used = _read(au, note["CreditNoteID"])
    assert (used["Status"], money(used["RemainingCredit"])) == ("PAID", Decimal("0.00"))
    assert [a["AllocationID"] for a in used["Allocations"]] == [allocation["AllocationID"]]

    removed = httpx.delete(f"{au.sandbox.api_url}/CreditNotes/{note['CreditNoteID']}/Allocations/"
                           f"{allocation['AllocationID']}", headers=au.headers(), timeout=30)
    assert removed.status_code == 200 and removed.json()["IsDeleted"] is True
    restored = _invoice(au, sold["InvoiceID"])
    assert (money(restored["AmountDue"]), money(restored["AmountCredited"]), restored["CreditNotes"]) == (
        Decimal("110.00"), Decimal("0.00"), [])
    again = _read(au, note["CreditNoteID"])
    assert (again["Status"], money(again["RemainingCredit"]), again["Allocations"]) == (
        "AUTHORISED", Decimal("44.00"), [])
    gone = httpx.delete(f"{au.sandbox.api_url}/CreditNotes/{note['CreditNoteID']}/Allocations/"
                        f"{allocation['AllocationID']}", headers=au.headers(), timeout=30)
    assert gone.status_code == 404


def test_full_credit_makes_the_invoice_paid_and_a_payment_can_then_not_exceed_what_is_due(au, sale):
    contact, sold = sale
    big = _note(au, contact, LineItems=[{"Description": "All of it", "Quantity": 1, "UnitAmount": "150.00",
                                         "AccountCode": "41110", "TaxType": "OUTPUT"}])
    part = au.one(_allocate(au, big["CreditNoteID"], sold["InvoiceID"], "60.00"), "Allocations")
    [payment] = au.put("Payments", {"Payments": [{"Invoice": {"InvoiceID": sold["InvoiceID"]},
                                                  "Account": {"Code": "10100"}, "Date": "2026-05-01",
                                                  "Amount": "50.01"}]}).json()["Payments"]
    assert "exceeds the amount outstanding" in errors(payment)[0]
    [void] = au.post(f"Invoices/{sold['InvoiceID']}", {"Invoices": [{"Status": "VOIDED"}]}).json()["Invoices"]
    assert "must be removed" in errors(void)[0]  # credit allocated locks the invoice like a payment
    au.one(_allocate(au, big["CreditNoteID"], sold["InvoiceID"], "50.00"), "Allocations")
    paid = _invoice(au, sold["InvoiceID"])
    assert (paid["Status"], money(paid["AmountDue"]), money(paid["AmountCredited"])) == (
        "PAID", Decimal("0.00"), Decimal("110.00"))
    left = _read(au, big["CreditNoteID"])
    assert (left["Status"], money(left["RemainingCredit"])) == ("AUTHORISED", Decimal("55.00"))
    assert part["AllocationID"]


def test_allocations_xero_refuses_fail_alone_and_change_nothing(au, sale, sandbox):
    contact, sold = sale
    note = _note(au, contact)
    draft = _note(au, contact, "CN-AU-2", Status="DRAFT")
    draft_invoice = au.one(au.put("Invoices", {"Invoices": [invoice(contact, "INV-CN-2", Status="DRAFT")]}),
                           "Invoices")
    bill = au.one(au.put("Invoices", {"Invoices": [invoice(contact, "BILL-1", Type="ACCPAY", LineItems=[
        {"Description": "Parts", "Quantity": 1, "UnitAmount": "10", "AccountCode": "51120", "TaxType": "INPUT"}])]}),
        "Invoices")
    usd = au.one(au.put("Invoices", {"Invoices": [invoice(contact, "INV-CN-USD", CurrencyCode="USD")]}), "Invoices")
    cases = [
        (_allocate(au, note["CreditNoteID"], sold["InvoiceID"], "44.01"), "greater than amount outstanding"),
        (_allocate(au, note["CreditNoteID"], sold["InvoiceID"], 0), "greater than zero"),
        (_allocate(au, draft["CreditNoteID"], sold["InvoiceID"], "1.00"), "approved credit note"),
        (_allocate(au, note["CreditNoteID"], draft_invoice["InvoiceID"], "1.00"), "approved invoice"),
        (_allocate(au, note["CreditNoteID"], bill["InvoiceID"], "1.00"), "incorrect invoice type"),
        (_allocate(au, note["CreditNoteID"], usd["InvoiceID"], "1.00"), "same currency"),
        (_allocate(au, note["CreditNoteID"], "00000000-0000-0000-0000-000000000000", "1"), "Invoice could not be"),
    ]
    for answer, message in cases:
        assert answer.status_code == 200, answer.text
        [element] = answer.json()["Allocations"]
        assert element["StatusAttributeString"] == "ERROR"
        assert any(message in m for m in errors(element)), (message, errors(element))
    summarised = _allocate(au, note["CreditNoteID"], sold["InvoiceID"], "99.00")
    summarised = au.write("PUT", f"CreditNotes/{note['CreditNoteID']}/Allocations", {"Allocations": [
        {"Invoice": {"InvoiceID": sold["InvoiceID"]}, "Amount": "99.00", "Date": "2026-04-25"}]}, summarize=True)
    assert summarised.status_code == 400 and summarised.json()["Type"] == "ValidationException"
    sandbox.set_lock_date(au.tenant, "2026-04-30")
    [locked] = _allocate(au, note["CreditNoteID"], sold["InvoiceID"], "1.00").json()["Allocations"]
    assert "period lock date (30/04/2026)" in errors(locked)[0]
    untouched = _invoice(au, sold["InvoiceID"])
    assert (money(untouched["AmountDue"]), money(untouched["AmountCredited"])) == (Decimal("110.00"), Decimal("0"))
    assert money(_read(au, note["CreditNoteID"])["RemainingCredit"]) == Decimal("44.00")


def test_an_allocation_under_one_idempotency_key_is_made_once(au, sale):
    contact, sold = sale
    note = _note(au, contact)
    first = _allocate(au, note["CreditNoteID"], sold["InvoiceID"], "10.00", key="alloc-1")
    second = _allocate(au, note["CreditNoteID"], sold["InvoiceID"], "10.00", key="alloc-1")
    assert first.json()["Allocations"] == second.json()["Allocations"]
    assert money(_invoice(au, sold["InvoiceID"])["AmountDue"]) == Decimal("100.00")
    assert len(_read(au, note["CreditNoteID"])["Allocations"]) == 1


def test_a_refund_is_an_arcreditpayment_against_the_credit_left(au, sale):
    contact, _ = sale
    note = _note(au, contact)

    def refund(amount, on=note):
        return au.put("Payments", {"Payments": [{"CreditNote": {"CreditNoteID": on["CreditNoteID"]},
                                                 "Account": {"Code": "10100"}, "Date": "2026-05-02",
                                                 "Amount": amount, "Reference": "BMS-REF-7"}]}).json()["Payments"][0]

    assert "exceeds the amount outstanding" in errors(refund("44.01"))[0]
    draft = _note(au, contact, "CN-AU-2", Status="DRAFT")
    assert "only be made against Authorised documents" in errors(refund("1.00", draft))[0]
    paid = refund("44.00")
    assert paid["PaymentType"] == "ARCREDITPAYMENT" and paid["CreditNote"]["CreditNoteID"] == note["CreditNoteID"]
    assert "Invoice" not in paid
    refunded = _read(au, note["CreditNoteID"])
    assert (refunded["Status"], money(refunded["RemainingCredit"]), len(refunded["Payments"])) == (
        "PAID", Decimal("0.00"), 1)
    # Listed on the credit note with its Reference (the OpenAPI's getCreditNotes example).
    assert (refunded["Payments"][0]["PaymentID"], refunded["Payments"][0]["Reference"]) == (
        paid["PaymentID"], "BMS-REF-7")
    listed = au.get("Payments", where='PaymentType=="ARCREDITPAYMENT"').json()["Payments"]
    assert [p["PaymentID"] for p in listed] == [paid["PaymentID"]]
    au.one(au.post(f"Payments/{paid['PaymentID']}", {"Payments": [{"Status": "DELETED"}]}), "Payments")
    back = _read(au, note["CreditNoteID"])
    assert (back["Status"], money(back["RemainingCredit"]), back["Payments"]) == ("AUTHORISED", Decimal("44.00"), [])


def test_the_status_rules_void_and_locks_once_credit_is_used(au, sale):
    contact, sold = sale
    draft = _note(au, contact, "CN-AU-3", Status="DRAFT")
    approved = au.one(au.post(f"CreditNotes/{draft['CreditNoteID']}", {"CreditNotes": [{"Status": "AUTHORISED"}]}),
                      "CreditNotes")
    assert approved["Status"] == "AUTHORISED"
    [back] = au.post(f"CreditNotes/{draft['CreditNoteID']}", {"CreditNotes": [{"Status": "DRAFT"}]}).json()[
        "CreditNotes"]
    assert "cannot be changed from AUTHORISED to DRAFT" in errors(back)[0]
    au.one(_allocate(au, draft["CreditNoteID"], sold["InvoiceID"], "4.00"), "Allocations")
    [voided] = au.post(f"CreditNotes/{draft['CreditNoteID']}", {"CreditNotes": [{"Status": "VOIDED"}]}).json()[
        "CreditNotes"]
    assert "must be removed before this credit note can be voided" in errors(voided)[0]
    [edited] = au.post(f"CreditNotes/{draft['CreditNoteID']}", {"CreditNotes": [{"LineAmountTypes": "Inclusive"}]}
                       ).json()["CreditNotes"]
    assert "has a payment or credit note allocated" in errors(edited)[0]
    spare = _note(au, contact, "CN-AU-4")
    assert au.one(au.post(f"CreditNotes/{spare['CreditNoteID']}", {"CreditNotes": [{"Status": "VOIDED"}]}),
                  "CreditNotes")["Status"] == "VOIDED"
    [closed] = au.post(f"CreditNotes/{spare['CreditNoteID']}", {"CreditNotes": [{"Reference": "x"}]}).json()[
        "CreditNotes"]
    assert "status of VOIDED" in errors(closed)[0]
    [paid] = au.put("CreditNotes", {"CreditNotes": [credit_note(contact, "CN-AU-5", Status="PAID")]}).json()[
        "CreditNotes"]
    assert "can't be created with status PAID" in errors(paid)[0]


def test_what_xero_refuses_on_a_credit_note(au, sale, sandbox):
    contact, _ = sale
    _note(au, contact, "CN-DUP")
    cases = [
        (credit_note(contact, "CN-DUP"), "Credit Note # must be unique."),
        (credit_note(contact, "CN-X1", Type="ACCREC"), "must be ACCRECCREDIT or ACCPAYCREDIT"),
        (credit_note(contact, "CN-X2", LineItems=[{"Description": "Off", "Quantity": 1, "UnitAmount": "10",
                                                   "DiscountRate": 10, "AccountCode": "41110"}]),
         "Discounts are only allowed on sales invoices"),
        (credit_note(contact, "CN-X3", CurrencyCode="EUR"), "not subscribed to currency EUR"),
        (credit_note(contact, "CN-X4", LineItems=[]), "at least one line item"),
        (credit_note(contact, "CN-X5", Date="2026-02-30"), "is not a valid date"),
    ]
    answer = au.put("CreditNotes", {"CreditNotes": [body for body, _ in cases]}).json()["CreditNotes"]
    for element, (_, message) in zip(answer, cases, strict=True):
        assert any(message in m for m in errors(element)), (message, errors(element))
    sandbox.set_lock_date(au.tenant, "2026-04-30")
    [locked] = au.put("CreditNotes", {"CreditNotes": [credit_note(contact, "CN-X6")]}).json()["CreditNotes"]
    assert "period lock date (30/04/2026)" in errors(locked)[0]


def test_a_bills_credit_note_keeps_xeros_accpaycredit_rules(au, sale):
    contact, _ = sale
    lines = [{"Description": "Parts back", "Quantity": 1, "UnitAmount": "10", "AccountCode": "51120",
              "TaxType": "INPUT"}]
    first = _note(au, contact, "SUP-CN-1", Type="ACCPAYCREDIT", LineItems=lines, Reference="ignored")
    again = _note(au, contact, "SUP-CN-1", Type="ACCPAYCREDIT", LineItems=lines)  # a supplier's number may repeat
    assert first["CreditNoteID"] != again["CreditNoteID"] and "Reference" not in first
    unnumbered = _note(au, contact, "", Type="ACCPAYCREDIT", LineItems=lines)
    assert not unnumbered.get("CreditNoteNumber")
    numbered = _note(au, contact, "")  # a sales credit note without a number gets Xero's own
    assert numbered["CreditNoteNumber"].startswith("CN-")


def test_it_lists_credit_notes_paged_by_where_and_since_and_reads_one(au, sale, sandbox):
    contact, _ = sale
    first = _note(au, contact, "CN-L1")
    sandbox.advance_clock(5)
    since = sandbox.sandbox.clock.now().strftime("%a, %d %b %Y %H:%M:%S GMT")
    sandbox.advance_clock(2)
    second = _note(au, contact, "CN-L2", Status="DRAFT")
    listed = au.get("CreditNotes").json()["CreditNotes"]
    assert [n["CreditNoteID"] for n in listed] == [first["CreditNoteID"], second["CreditNoteID"]]
    assert all("LineItems" not in n for n in listed)
    paged = au.get("CreditNotes", page=1, pageSize=1).json()
    assert paged["pagination"] == {"page": 1, "pageSize": 1, "pageCount": 2, "itemCount": 2}
    assert paged["CreditNotes"][0]["LineItems"]
    assert [n["CreditNoteID"] for n in au.get("CreditNotes", headers={"If-Modified-Since": since}).json()[
        "CreditNotes"]] == [second["CreditNoteID"]]
    assert [n["CreditNoteNumber"] for n in au.get("CreditNotes", where='Status=="DRAFT"').json()[
        "CreditNotes"]] == ["CN-L2"]
    assert [n["CreditNoteNumber"] for n in au.get("CreditNotes", where='CreditNoteNumber=="CN-L1"').json()[
        "CreditNotes"]] == ["CN-L1"]
    bad = au.get("CreditNotes", where='CreditNumber=="CN-L1"')
    assert bad.status_code == 400 and "'CreditNote'" in bad.json()["Message"]
    assert _read(au, first["CreditNoteID"])["LineItems"]
    assert au.get("CreditNotes/00000000-0000-0000-0000-000000000000").status_code == 404


def test_credit_made_allocated_refunded_and_removed_in_xero_obeys_the_same_rules(au, sale, sandbox):
    contact, sold = sale
    made = sandbox.credit_note_in_xero(au.tenant, **credit_note(contact, "CN-XERO-1"))
    allocation = sandbox.allocate_in_xero(au.tenant, made["CreditNoteID"], invoice_id=sold["InvoiceID"],
                                          amount="20.00")
    assert money(_invoice(au, sold["InvoiceID"])["AmountDue"]) == Decimal("90.00")
    with pytest.raises(httpx.HTTPStatusError) as refused:
        sandbox.allocate_in_xero(au.tenant, made["CreditNoteID"], invoice_id=sold["InvoiceID"], amount="30.00")
    assert "greater than amount outstanding" in refused.value.response.json()["error"]
    refund = sandbox.refund_in_xero(au.tenant, made["CreditNoteID"], amount="24.00")
    assert refund["PaymentType"] == "ARCREDITPAYMENT"
    sandbox.remove_allocation_in_xero(au.tenant, made["CreditNoteID"], allocation["AllocationID"])
    assert money(_invoice(au, sold["InvoiceID"])["AmountDue"]) == Decimal("110.00")
    assert money(_read(au, made["CreditNoteID"])["RemainingCredit"]) == Decimal("20.00")
    spare = sandbox.credit_note_in_xero(au.tenant, **credit_note(contact, "CN-XERO-2"))
    assert sandbox.void_credit_note_in_xero(au.tenant, spare["CreditNoteID"])["Status"] == "VOIDED"
    page = httpx.get(sandbox.base_url + "/", timeout=30).text
    assert "CN-XERO-1" in page and "Credit notes (2)" in page


def test_a_person_edits_an_approved_credit_note_in_xero_until_credit_is_used(au, sale, sandbox):
    """POST /CreditNotes/{id}'s rules (AUTHORISED → AUTHORISED, xero-notes §6.2; locked once credit is
    allocated, xeroizer PR #211): the edit moves UpdatedDateUTC, so an If-Modified-Since read sees it."""
    contact, sold = sale
    made = sandbox.credit_note_in_xero(au.tenant, **credit_note(contact, "CN-XERO-E"))
    line = {key: made["LineItems"][0][key] for key in ("LineItemID", "Description", "AccountCode", "TaxType")}
    line.update(Quantity=2, UnitAmount="40.00")
    sandbox.advance_clock(60)
    since = sandbox.sandbox.clock.now().strftime("%a, %d %b %Y %H:%M:%S GMT")
    edited = sandbox.edit_credit_note_in_xero(au.tenant, made["CreditNoteID"], LineItems=[line], Reference="Edited")
    assert (edited["Status"], edited["Reference"], money(edited["Total"])) == (
        "AUTHORISED", "Edited", 2 * money(made["Total"]))
    assert [n["CreditNoteID"] for n in au.get("CreditNotes", headers={"If-Modified-Since": since}).json()[
        "CreditNotes"]] == [made["CreditNoteID"]]
    sandbox.allocate_in_xero(au.tenant, made["CreditNoteID"], invoice_id=sold["InvoiceID"], amount="1.00")
    with pytest.raises(httpx.HTTPStatusError) as refused:
        sandbox.edit_credit_note_in_xero(au.tenant, made["CreditNoteID"], LineItems=[{**line, "Quantity": 3}])
    assert "has a payment or credit note allocated" in refused.value.response.json()["error"]
