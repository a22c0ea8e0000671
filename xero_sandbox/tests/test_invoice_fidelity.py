"""Invoice rules Xero has and the sandbox keeps (and one it does not have and the sandbox dropped):
LineAmount against Quantity × UnitAmount, line items only on paged and single reads, a DueDate
before the Date, If-Modified-Since in both forms clients send."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xero_sandbox.tests.conftest import errors, invoice, money, new_contact


def _line(**fields) -> dict:
    return {"Description": "Lathe", "AccountCode": "41110", "TaxType": "OUTPUT", **fields}


def _put(au, *lines, **params):
    contact_id = new_contact(au, "Lines Co")
    return au.put("Invoices", {"Invoices": [invoice(contact_id, LineItems=list(lines))]}, **params)


@pytest.mark.parametrize(("line", "sent", "expected"), [
    (_line(Quantity=1, UnitAmount="795.00", DiscountRate=100, LineAmount="1.00"), "1.00", "0.00"),  # NetStandard#74
    (_line(Quantity=2, UnitAmount="10.00", LineAmount="25.00"), "25.00", "20.00"),
    (_line(Quantity=3, UnitAmount="10.00", DiscountAmount="5", LineAmount="30.00"), "30.00", "25.00"),
    (_line(Quantity=0, UnitAmount="10.00", LineAmount="0"), "0.00", "0.00"),
])
def test_a_line_total_that_disagrees_with_quantity_and_unit_amount_is_refused(au, line, sent, expected):
    answer = _put(au, line)
    [element] = answer.json()["Invoices"]
    message = f"The line total {sent} does not match the expected line total {expected}"
    if sent == expected:
        assert element["StatusAttributeString"] == "OK", errors(element)
    else:
        assert element["StatusAttributeString"] == "ERROR" and message in errors(element)
        assert au.get("Invoices", where='InvoiceNumber=="AU-000001"').json()["Invoices"] == []  # nothing saved


def test_a_line_total_that_agrees_the_way_xero_rounds_is_accepted(au):
    lines = [_line(Quantity=3, UnitAmount="3.3333", LineAmount="10.00"),  # 9.9999 → 10.00, half-up per line
             _line(Quantity="1.5", UnitAmount="0.01", LineAmount="0.02"),  # 0.015 → 0.02
             _line(Quantity=4, UnitAmount="25.00", DiscountRate="12.5", LineAmount="87.50")]
    created = au.one(_put(au, *lines, unitdp="4"), "Invoices")
    assert [money(line["LineAmount"]) for line in created["LineItems"]] == [
        Decimal("10.00"), Decimal("0.02"), Decimal("87.50")]


def test_a_line_amount_alone_gives_the_missing_quantity_or_unit_amount(au):
    created = au.one(_put(au, _line(LineAmount="40.00"), _line(Quantity=4, LineAmount="10.00"),
                          _line(UnitAmount="2.50", LineAmount="10.00")), "Invoices")
    got = [(money(line["Quantity"]), money(line["UnitAmount"]), money(line["LineAmount"]))
           for line in created["LineItems"]]
    assert got == [(Decimal("1"), Decimal("40.00"), Decimal("40.00")), (Decimal("4"), Decimal("2.50"),
                   Decimal("10.00")), (Decimal("4"), Decimal("2.50"), Decimal("10.00"))]


def test_an_update_sending_a_wrong_line_total_is_refused_and_keeps_the_invoice(au):
    created = au.one(_put(au, _line(Quantity=1, UnitAmount="100.00")), "Invoices")
    line_id = created["LineItems"][0]["LineItemID"]
    update = {"InvoiceID": created["InvoiceID"], "LineItems": [{"LineItemID": line_id, "LineAmount": "90.00"}]}
    [element] = au.post("Invoices", {"Invoices": [update]}).json()["Invoices"]
    assert "The line total 90.00 does not match the expected line total 100.00" in errors(element)
    kept = au.get(f"Invoices/{created['InvoiceID']}").json()["Invoices"][0]
    assert money(kept["Total"]) == Decimal("110.00")


def test_an_unpaged_list_leaves_line_items_out_and_paged_and_single_reads_carry_them(au):
    created = au.one(_put(au, _line(Quantity=1, UnitAmount="100.00")), "Invoices")
    [unpaged] = au.get("Invoices", InvoiceNumbers="AU-000001").json()["Invoices"]
    assert "LineItems" not in unpaged and money(unpaged["Total"]) == Decimal("110.00")
    [paged] = au.get("Invoices", InvoiceNumbers="AU-000001", page="1").json()["Invoices"]
    [single] = au.get(f"Invoices/{created['InvoiceID']}").json()["Invoices"]
    line_id = created["LineItems"][0]["LineItemID"]
    assert paged["LineItems"][0]["LineItemID"] == single["LineItems"][0]["LineItemID"] == line_id


def test_a_due_date_before_the_invoice_date_is_accepted(au):
    contact_id = new_contact(au)
    created = au.one(au.put("Invoices", {"Invoices": [invoice(contact_id, Date="2026-04-23", DueDate="2026-04-01")]}),
                     "Invoices")
    assert created["StatusAttributeString"] == "OK" and created["DueDate"] == "/Date(1775001600000+0000)/"


def test_if_modified_since_is_read_in_iso_and_http_date_forms(sandbox, au):
    contact_id = new_contact(au)
    au.one(au.put("Invoices", {"Invoices": [invoice(contact_id, "M-1")]}), "Invoices")
    sandbox.advance_clock(2)
    since = sandbox.sandbox.clock.now()  # a whole second after M-1, as the forms carry only seconds
    sandbox.advance_clock(2)
    later = au.one(au.put("Invoices", {"Invoices": [invoice(contact_id, "M-2")]}), "Invoices")
    forms = [since.strftime("%Y-%m-%dT%H:%M:%SZ"), since.strftime("%a, %d %b %Y %H:%M:%S GMT"),
             since.strftime("%Y-%m-%dT%H:%M:%S+00:00")]
    for form in forms:
        found = au.get("Invoices", headers={"If-Modified-Since": form}).json()["Invoices"]
        assert [i["InvoiceID"] for i in found] == [later["InvoiceID"]], form
