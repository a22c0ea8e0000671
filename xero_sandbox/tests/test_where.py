"""`where` and `order` as Xero reads them: the text methods, Guid(…) in either case, null, and a
400 QueryParseException for a field the element does not have (accounting/where.py, fields.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from xero_sandbox.accounting.fields import FIELDS, NESTED
from xero_sandbox.contract import SPEC_DIR, require_spec_files
from xero_sandbox.tests.conftest import invoice, new_contact


@pytest.fixture
def contacts(au):
    for name, number in (("Alpha Tools", "A-1"), ("Beta Toolworks", None), ("Gamma Supplies", "G-1")):
        new_contact(au, name, **({"ContactNumber": number} if number else {}))
    return au


def _names(api, **params) -> list[str]:
    answer = api.get("Contacts", **params)
    assert answer.status_code == 200, answer.text
    return sorted(c["Name"] for c in answer.json()["Contacts"] if c["Name"] in ("Alpha Tools", "Beta Toolworks",
                                                                               "Gamma Supplies"))


def test_contains_startswith_and_endswith_in_any_case_and_negated(contacts):
    assert _names(contacts, where='Name.Contains("tool")') == ["Alpha Tools", "Beta Toolworks"]
    assert _names(contacts, where='Name.StartsWith("beta")') == ["Beta Toolworks"]
    assert _names(contacts, where='Name.EndsWith("Supplies")') == ["Gamma Supplies"]
    assert _names(contacts, where='Name.contains("TOOLS")') == ["Alpha Tools"]  # pyxero#181 sends .contains
    assert _names(contacts, where='!Name.Contains("Tool") AND Name.StartsWith("G")') == ["Gamma Supplies"]
    assert _names(contacts, where='Name.Contains("Alpha") OR Name.EndsWith("works")') == [
        "Alpha Tools", "Beta Toolworks"]


def test_null_and_a_single_equals_sign(contacts):
    assert _names(contacts, where="ContactNumber!=null AND ContactNumber.StartsWith(\"A\")") == ["Alpha Tools"]
    assert "Beta Toolworks" in _names(contacts, where="ContactNumber==null")
    assert _names(contacts, where='Name = "gamma supplies"') == ["Gamma Supplies"]


def test_guid_in_either_case(au):
    contact_id = new_contact(au, "Guid Co")
    created = au.one(au.put("Invoices", {"Invoices": [invoice(contact_id, "G-1")]}), "Invoices")
    for spelling in ("Guid", "guid", "GUID"):
        found = au.get("Invoices", where=f'Contact.ContactID=={spelling}("{contact_id.upper()}")').json()["Invoices"]
        assert [i["InvoiceID"] for i in found] == [created["InvoiceID"]], spelling


@pytest.mark.parametrize(("path", "where", "message"), [
    ("Contacts", 'Nmae=="Alpha Tools"', "No property or field 'Nmae' exists in type 'Contact'"),
    ("Payments", 'PaymentType==ACCRECPAYMENT', "No property or field 'ACCRECPAYMENT' exists in type 'Payment'"),
    ("Invoices", 'Contact.Colour=="red"', "No property or field 'Colour' exists in type 'Contact'"),
    ("Invoices", 'Reference.Contains("x") AND Shipping=="now"', "No property or field 'Shipping' exists in type "
                                                                "'Invoice'"),
    ("ManualJournals", 'Narrative=="x"', "No property or field 'Narrative' exists in type 'ManualJournal'"),
    ("Accounts", 'Colour=="BANK"', "No property or field 'Colour' exists in type 'Account'"),
])
def test_a_field_the_element_does_not_have_is_refused(au, path, where, message):
    answer = au.get(path, where=where)
    assert answer.status_code == 400
    assert answer.json() == {"ErrorNumber": 16, "Type": "QueryParseException", "Message": message}


def test_known_fields_match_in_any_case(au):
    assert au.get("Payments", where='Invoice.InvoiceId==guid("00000000-0000-0000-0000-000000000000")'
                  ).status_code == 200  # xero-notes §7 spells it InvoiceId


def test_order_by_a_field_either_way_and_refused_for_an_unknown_one(contacts):
    def names(order):
        return [c["Name"] for c in contacts.get("Contacts", order=order, where='Name.Contains("a")').json()[
            "Contacts"] if c["Name"] in ("Alpha Tools", "Beta Toolworks", "Gamma Supplies")]

    assert names("Name DESC") == ["Gamma Supplies", "Beta Toolworks", "Alpha Tools"]
    assert names("Name ASC") == ["Alpha Tools", "Beta Toolworks", "Gamma Supplies"]
    assert names("ContactNumber, Name DESC") == ["Beta Toolworks", "Alpha Tools", "Gamma Supplies"]  # nulls first
    answer = contacts.get("Contacts", order="Colour DESC")
    assert answer.status_code == 400 and answer.json()["Type"] == "QueryParseException"
    assert contacts.get("Contacts", order="Name SIDEWAYS").status_code == 400


def test_the_field_lists_are_those_of_xeros_description():
    spec = SPEC_DIR / "xero_accounting.yaml"
    require_spec_files(Path(spec))  # skips on a developer machine without it; fails in CI
    schemas = yaml.load(spec.read_text(), Loader=yaml.CSafeLoader)["components"]["schemas"]
    for name, fields in FIELDS.items():
        assert fields == set(schemas[name]["properties"]), name
    for (owner, field), kind in NESTED.items():
        assert schemas[owner]["properties"][field]["$ref"].rsplit("/", 1)[-1] == kind
