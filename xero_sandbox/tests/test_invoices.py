"""Invoices (xero-notes §6): validation, per-line totals, status rules, LineItemID round-trips,
lock dates and every GET filter BMS uses."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xero_sandbox.tests.conftest import errors, invoice, money, new_contact


def _line(description="Lathe", quantity=1, unit="100.00", **extra) -> dict:
    return {"Description": description, "Quantity": quantity, "UnitAmount": unit, "AccountCode": "41110",
            "TaxType": "OUTPUT", **extra}


def _put(au, *bodies, **params):
    return au.put("Invoices", {"Invoices": list(bodies)}, **params)


def test_it_creates_an_authorised_invoice_with_totals_and_xero_dates(au):
    contact_id = new_contact(au)
    created = au.one(_put(au, invoice(contact_id)), "Invoices")
    assert created["StatusAttributeString"] == "OK" and created["Status"] == "AUTHORISED"
    assert (money(created["SubTotal"]), money(created["TotalTax"]), money(created["Total"]),
            money(created["AmountDue"])) == (Decimal("100.00"), Decimal("10.00"), Decimal("110.00"), Decimal("110.00"))
    assert created["Date"] == "/Date(1776902400000+0000)/" and created["DueDate"].startswith("/Date(")
    assert created["LineItems"][0]["LineItemID"] and created["Contact"]["ContactID"] == contact_id
    assert created["CurrencyCode"] == "AUD"


def test_it_accepts_xero_python_dates_and_read_only_fields(au):
    contact_id = new_contact(au)
    body = invoice(contact_id, Date="/Date(1776902400000+0000)/", DueDate="/Date(1779494400000)/",
                   HasAttachments=False, HasErrors=False, IsDiscounted=False, AmountDue=999)
    created = au.one(_put(au, body), "Invoices")
    assert created["Date"] == "/Date(1776902400000+0000)/" and money(created["AmountDue"]) == Decimal("110.00")


def test_it_rounds_tax_per_line_half_up_and_keeps_totals_at_two_places(au):
    contact_id = new_contact(au)
    body = invoice(contact_id, LineItems=[_line(f"Line {n}", unit="0.333") for n in range(3)])
    created = au.one(_put(au, body, unitdp="4"), "Invoices")
    assert [money(line["UnitAmount"]) for line in created["LineItems"]] == [Decimal("0.333")] * 3
    assert [money(line["TaxAmount"]) for line in created["LineItems"]] == [Decimal("0.03")] * 3
    assert (money(created["SubTotal"]), money(created["TotalTax"]), money(created["Total"])) == (
        Decimal("0.99"), Decimal("0.09"), Decimal("1.08"))


def test_it_rounds_unit_prices_to_two_places_without_unitdp(au):
    contact_id = new_contact(au)
    created = au.one(_put(au, invoice(contact_id, LineItems=[_line(unit="10.005", quantity=3)])), "Invoices")
    assert money(created["LineItems"][0]["UnitAmount"]) == Decimal("10.01")
    assert money(created["LineItems"][0]["LineAmount"]) == Decimal("30.03")


def test_it_works_out_inclusive_and_no_tax_amounts_and_discounts(au):
    contact_id = new_contact(au)
    inclusive = au.one(_put(au, invoice(contact_id, "I-1", LineAmountTypes="Inclusive",
                                        LineItems=[_line(unit="110.00")])), "Invoices")
    assert (money(inclusive["SubTotal"]), money(inclusive["TotalTax"]), money(inclusive["Total"])) == (
        Decimal("100.00"), Decimal("10.00"), Decimal("110.00"))
    no_tax = au.one(_put(au, invoice(contact_id, "I-2", LineAmountTypes="NoTax")), "Invoices")
    assert money(no_tax["TotalTax"]) == Decimal("0.00")
    discounted = au.one(_put(au, invoice(contact_id, "I-3", LineItems=[_line(DiscountRate=15)])), "Invoices")
    assert money(discounted["LineItems"][0]["LineAmount"]) == Decimal("85.00") and discounted["IsDiscounted"]


def test_it_uses_the_accounts_default_tax_when_none_is_sent(au):
    contact_id = new_contact(au)
    line = {"Description": "Parts", "Quantity": 2, "UnitAmount": 5, "AccountCode": "41120"}
    created = au.one(_put(au, invoice(contact_id, LineItems=[line])), "Invoices")
    assert created["LineItems"][0]["TaxType"] == "OUTPUT" and money(created["TotalTax"]) == Decimal("1.00")


@pytest.mark.parametrize(("change", "message"), [
    ({"DueDate": None}, "Due Date is mandatory for an approved invoice."),
    ({"LineItems": [_line(AccountCode="41900")]}, "has been archived"),
    ({"LineItems": [_line(AccountCode="99999")]}, "is not a valid code"),
    ({"LineItems": [_line(TaxType="OUTPUT2")]}, "TaxType code 'OUTPUT2'"),
    ({"LineItems": [_line(Description="")]}, "Description must be specified."),
    ({"LineItems": [_line(Quantity="lots")]}, "is not a valid number"),
    ({"LineItems": [_line(Tracking=[{"Name": "A", "Option": "1"}] * 3)]}, "at most two tracking"),
    ({"LineItems": []}, "at least one line item"),
    ({"Contact": {}}, "A Contact must be specified"),
    ({"CurrencyCode": "EUR"}, "not subscribed to currency EUR"),
    ({"Date": "2026-13-45"}, "is not a valid date"),
    ({"LineItems": [_line(LineAmount="99.00")]}, "The line total 99.00 does not match the expected line total 100.00"),
    ({"Status": "PAID"}, "can't be created with status PAID"),
    ({"Type": "SALES"}, "Invoice Type must be ACCREC or ACCPAY."),
    ({"LineAmountTypes": "Sometimes"}, "LineAmountTypes 'Sometimes' is not valid."),
])
def test_it_refuses_what_xero_refuses(au, change, message):
    contact_id = new_contact(au)
    [element] = _put(au, invoice(contact_id, **change)).json()["Invoices"]
    assert element["StatusAttributeString"] == "ERROR"
    assert any(message in m for m in errors(element)), errors(element)
    assert au.get("Invoices").json()["Invoices"] == []


def test_it_refuses_a_duplicate_accrec_number_with_xeros_message(au):
    contact_id = new_contact(au)
    _put(au, invoice(contact_id))
    [element] = _put(au, invoice(contact_id)).json()["Invoices"]
    assert errors(element) == ["Invoice # must be unique."]


def test_it_numbers_an_invoice_sent_without_a_number(au):
    contact_id = new_contact(au)
    body = invoice(contact_id)
    del body["InvoiceNumber"]
    first = au.one(_put(au, body), "Invoices")
    second = au.one(_put(au, body), "Invoices")  # a retry without a number is a second invoice
    assert first["InvoiceNumber"] != second["InvoiceNumber"]


def test_it_refuses_an_archived_contact_on_an_invoice(au):
    archived = au.get("Contacts", where='Name=="Old Mill Joinery"', includeArchived="true").json()["Contacts"][0]
    [element] = _put(au, invoice(archived["ContactID"])).json()["Invoices"]
    assert "has been archived" in errors(element)[0]


def test_it_keeps_line_ids_on_update_recreates_lines_without_one_and_deletes_lines_left_out(au):
    contact_id = new_contact(au)
    created = au.one(_put(au, invoice(contact_id, Status="DRAFT", LineItems=[_line("A"), _line("B")])), "Invoices")
    kept = created["LineItems"][0]["LineItemID"]
    update = {"InvoiceID": created["InvoiceID"], "LineItems": [
        {**_line("A changed", quantity=2), "LineItemID": kept}, _line("C")]}
    updated = au.one(au.post("Invoices", {"Invoices": [update]}), "Invoices")
    assert [line["Description"] for line in updated["LineItems"]] == ["A changed", "C"]
    assert updated["LineItems"][0]["LineItemID"] == kept
    assert updated["LineItems"][1]["LineItemID"] not in {line["LineItemID"] for line in created["LineItems"]}
    assert money(updated["Total"]) == Decimal("330.00")


def test_it_refuses_a_line_id_of_another_invoice(au):
    contact_id = new_contact(au)
    first = au.one(_put(au, invoice(contact_id, "A-1", Status="DRAFT")), "Invoices")
    second = au.one(_put(au, invoice(contact_id, "A-2", Status="DRAFT")), "Invoices")
    stolen = {**_line(), "LineItemID": first["LineItems"][0]["LineItemID"]}
    [element] = au.post("Invoices", {"Invoices": [{"InvoiceID": second["InvoiceID"], "LineItems": [stolen]}]}
                        ).json()["Invoices"]
    assert "does not belong to this invoice" in errors(element)[0]


@pytest.mark.parametrize(("start", "to", "allowed"), [
    ("DRAFT", "SUBMITTED", True), ("DRAFT", "AUTHORISED", True), ("DRAFT", "DELETED", True),
    ("SUBMITTED", "DRAFT", True), ("SUBMITTED", "DELETED", True), ("AUTHORISED", "VOIDED", True),
    ("AUTHORISED", "DRAFT", False), ("AUTHORISED", "DELETED", False), ("AUTHORISED", "SUBMITTED", False),
])
def test_it_follows_xeros_status_transitions(au, start, to, allowed):
    contact_id = new_contact(au)
    created = au.one(_put(au, invoice(contact_id, Status=start)), "Invoices")
    update = {"Invoices": [{"InvoiceID": created["InvoiceID"], "Status": to}]}
    [element] = au.post("Invoices", update).json()["Invoices"]
    assert (element["StatusAttributeString"] == "OK") is allowed, errors(element)
    if not allowed:
        assert f"cannot be changed from {start} to {to}" in errors(element)[0]


def test_it_leaves_deleted_and_voided_invoices_alone(au):
    contact_id = new_contact(au)
    created = au.one(_put(au, invoice(contact_id)), "Invoices")
    au.one(au.post("Invoices", {"Invoices": [{"InvoiceID": created["InvoiceID"], "Status": "VOIDED"}]}), "Invoices")
    [element] = au.post("Invoices", {"Invoices": [{"InvoiceID": created["InvoiceID"], "Reference": "x"}]}
                        ).json()["Invoices"]
    assert "status of VOIDED" in errors(element)[0]


def test_it_allows_only_some_edits_once_paid_and_no_void(au):
    contact_id = new_contact(au)
    created = au.one(_put(au, invoice(contact_id)), "Invoices")
    au.one(au.put("Payments", {"Payments": [{"Invoice": {"InvoiceID": created["InvoiceID"]},
                                             "Account": {"Code": "10100"}, "Date": "2026-05-01",
                                             "Amount": "10.00"}]}), "Payments")
    line = created["LineItems"][0]
    allowed = au.one(au.post("Invoices", {"Invoices": [{
        "InvoiceID": created["InvoiceID"], "Reference": "PO-9", "DueDate": "2026-06-30", "HasAttachments": False,
        "LineItems": [{**line, "Description": "Lathe (serial 42)"}]}]}), "Invoices")
    assert allowed["Reference"] == "PO-9" and allowed["LineItems"][0]["Description"] == "Lathe (serial 42)"
    for change in ({"LineItems": [{**line, "UnitAmount": 5}]}, {"Date": "2026-04-24"}, {"Status": "VOIDED"},
                   {"LineItems": [line, _line("extra")]}):
        update = {"Invoices": [{"InvoiceID": created["InvoiceID"], **change}]}
        [element] = au.post("Invoices", update).json()["Invoices"]
        assert element["StatusAttributeString"] == "ERROR", change


def test_it_refuses_anything_dated_in_a_locked_period_and_edits_to_invoices_there(au, sandbox):
    contact_id = new_contact(au)
    before = au.one(_put(au, invoice(contact_id, "L-1", Date="2026-04-10")), "Invoices")
    sandbox.set_lock_date(au.tenant, "2026-04-30")
    [dated] = _put(au, invoice(contact_id, "L-2", Date="2026-04-30")).json()["Invoices"]
    assert errors(dated) == ["The document date cannot be on or before the period lock date (30/04/2026)."]
    [edit] = au.post("Invoices", {"Invoices": [{"InvoiceID": before["InvoiceID"], "Status": "VOIDED"}]}).json()[
        "Invoices"]
    assert "period lock date (30/04/2026)" in errors(edit)[0]
    assert au.one(_put(au, invoice(contact_id, "L-3", Date="2026-05-01")), "Invoices")["Status"] == "AUTHORISED"


def test_post_is_an_upsert_by_invoice_number_and_addresses_an_invoice_by_number(au):
    contact_id = new_contact(au)
    created = au.one(_put(au, invoice(contact_id, "N-1", Status="DRAFT")), "Invoices")
    upserted = au.one(au.post("Invoices", {"Invoices": [invoice(contact_id, "N-1", Status="DRAFT", Reference="R")]}),
                      "Invoices")
    assert upserted["InvoiceID"] == created["InvoiceID"] and upserted["Reference"] == "R"
    by_number = au.one(au.post("Invoices/N-1", {"Invoices": [{"Reference": "R2"}]}), "Invoices")
    assert by_number["InvoiceID"] == created["InvoiceID"] and by_number["Reference"] == "R2"
    assert au.get("Invoices/N-1").json()["Invoices"][0]["Reference"] == "R2"
    assert au.get("Invoices/NOPE-404").status_code == 404


def test_put_refuses_an_existing_invoice_id(au):
    contact_id = new_contact(au)
    created = au.one(_put(au, invoice(contact_id)), "Invoices")
    [element] = _put(au, {**invoice(contact_id, "X-2"), "InvoiceID": created["InvoiceID"]}).json()["Invoices"]
    assert "use POST" in errors(element)[0]


def test_it_filters_invoices_like_xero(au, sandbox):
    first_contact, second_contact = new_contact(au, "One"), new_contact(au, "Two")
    a = au.one(_put(au, invoice(first_contact, "F-1", Reference="PO-77")), "Invoices")
    b = au.one(_put(au, invoice(second_contact, "F-2", Status="DRAFT")), "Invoices")
    sandbox.advance_clock(5)
    since = sandbox.sandbox.clock.now().strftime("%a, %d %b %Y %H:%M:%S GMT")
    sandbox.advance_clock(2)
    c = au.one(_put(au, invoice(first_contact, "F-3")), "Invoices")

    def ids(**params):
        headers = params.pop("headers", None)
        return [i["InvoiceID"] for i in au.get("Invoices", headers=headers, **params).json()["Invoices"]]

    assert ids() == [a["InvoiceID"], b["InvoiceID"], c["InvoiceID"]]  # UpdatedDateUTC order
    assert ids(IDs=f"{b['InvoiceID']},{c['InvoiceID']}") == [b["InvoiceID"], c["InvoiceID"]]
    assert ids(InvoiceNumbers="F-1,F-3") == [a["InvoiceID"], c["InvoiceID"]]
    assert ids(Statuses="DRAFT") == [b["InvoiceID"]]
    assert ids(ContactIDs=second_contact) == [b["InvoiceID"]]
    assert ids(where=f'Contact.ContactID==guid("{first_contact}") AND Status=="AUTHORISED"') == [
        a["InvoiceID"], c["InvoiceID"]]
    assert ids(where='Reference=="PO-77"') == [a["InvoiceID"]]
    assert ids(where="Date>=DateTime(2026,04,23) AND AmountDue>100") == [a["InvoiceID"], b["InvoiceID"],
                                                                          c["InvoiceID"]]
    assert ids(searchTerm="po-7") == [a["InvoiceID"]]
    assert ids(createdByMyApp="true") == [a["InvoiceID"], b["InvoiceID"], c["InvoiceID"]]
    assert ids(headers={"If-Modified-Since": since}) == [c["InvoiceID"]]
    page = au.get("Invoices", page="2", pageSize="2").json()
    assert [i["InvoiceID"] for i in page["Invoices"]] == [c["InvoiceID"]]
    assert page["pagination"] == {"page": 2, "pageSize": 2, "pageCount": 2, "itemCount": 3}


def test_it_answers_a_where_it_cannot_read_with_a_400(au):
    answer = au.get("Invoices", where='Status=="AUTHORISED" AND AND')
    assert answer.status_code == 400 and answer.json()["Type"] == "PostDataInvalidException"
