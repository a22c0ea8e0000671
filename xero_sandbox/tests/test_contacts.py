"""Contacts (xero-notes §5): PUT creates only, POST creates or updates, archived contacts are
hidden unless asked for, and every GET filter BMS uses."""

from __future__ import annotations

from xero_sandbox.tests.conftest import errors, new_contact


def test_it_creates_a_contact_and_answers_it_with_an_ok_status(au):
    answer = au.put("Contacts", {"Contacts": [{"Name": "Bright Tools Pty Ltd", "ContactNumber": "C-1",
                                               "EmailAddress": "ap@bright.example.com",
                                               "PaymentTerms": {"Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"}},
                                               "Addresses": [{"AddressType": "POBOX", "City": "Sydney"}],
                                               "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "555 0100"}]}]})
    contact = au.one(answer, "Contacts")
    assert contact["StatusAttributeString"] == "OK" and contact["ContactStatus"] == "ACTIVE"
    assert contact["ContactID"] and contact["UpdatedDateUTC"].startswith("/Date(")
    assert contact["PaymentTerms"]["Sales"] == {"Day": 20, "Type": "OFFOLLOWINGMONTH"}


def test_put_refuses_an_existing_name_or_contact_number_case_insensitively(au):
    new_contact(au, "Bright Tools Pty Ltd", ContactNumber="C-1")
    again = au.put("Contacts", {"Contacts": [{"Name": "bright tools pty ltd"},
                                             {"Name": "Other", "ContactNumber": "C-1"}]})
    first, second = again.json()["Contacts"]
    assert (first["StatusAttributeString"], second["StatusAttributeString"]) == ("ERROR", "ERROR")
    assert "already assigned to another contact" in errors(first)[0]
    assert "The contact number C-1 is already assigned" in errors(second)[0]
    assert "ContactID" not in first  # nothing was created


def test_put_refuses_the_name_of_an_archived_contact_too(au):
    # A client that searched without includeArchived=true and then creates meets this error.
    refused = au.put("Contacts", {"Contacts": [{"Name": "Old Mill Joinery"},
                                               {"Name": "New", "ContactNumber": "C9001"}]})
    assert [c["StatusAttributeString"] for c in refused.json()["Contacts"]] == ["ERROR", "ERROR"]


def test_put_refuses_a_contact_without_a_name(au):
    [element] = au.put("Contacts", {"Contacts": [{"EmailAddress": "x@example.com"}]}).json()["Contacts"]
    assert errors(element) == ["The contact name must be between 1 and 255 characters long."]


def test_post_updates_by_contact_id_keeping_what_is_not_sent(au):
    contact_id = new_contact(au, EmailAddress="old@example.com", ContactNumber="C-7")
    updated = au.one(au.post("Contacts", {"Contacts": [{"ContactID": contact_id, "EmailAddress": "new@example.com"}]}),
                     "Contacts")
    assert (updated["EmailAddress"], updated["ContactNumber"]) == ("new@example.com", "C-7")
    by_path = au.one(au.post(f"Contacts/{contact_id}", {"Contacts": [{"Name": "Bright Tools (renamed)"}]}), "Contacts")
    assert by_path["Name"] == "Bright Tools (renamed)"


def test_post_is_an_upsert_by_contact_number_then_name(au):
    contact_id = new_contact(au, ContactNumber="C-9")
    matched = au.one(au.post("Contacts", {"Contacts": [{"Name": "Bright Tools Pty Ltd", "ContactNumber": "C-9",
                                                        "TaxNumber": "12 345 678 901"}]}), "Contacts")
    assert matched["ContactID"] == contact_id and matched["TaxNumber"] == "12 345 678 901"
    created = au.one(au.post("Contacts", {"Contacts": [{"Name": "Brand New Pty Ltd"}]}), "Contacts")
    assert created["ContactID"] != contact_id


def test_post_refuses_an_unknown_contact_id_and_a_rename_onto_another_contact(au):
    new_contact(au, "Taken Name")
    other = new_contact(au, "Other Name")
    [unknown] = au.post("Contacts", {"Contacts": [{"ContactID": "00000000-0000-0000-0000-000000000000",
                                                    "Name": "X"}]}).json()["Contacts"]
    assert "could not be found" in errors(unknown)[0]
    [clash] = au.post("Contacts", {"Contacts": [{"ContactID": other, "Name": "Taken Name"}]}).json()["Contacts"]
    assert "already assigned" in errors(clash)[0]


def test_it_lets_a_seeded_twin_be_updated_without_tripping_over_the_other(au):
    active = au.get("Contacts", where='Name=="Southern Engineering Pty Ltd"').json()["Contacts"][0]
    updated = au.one(au.post("Contacts", {"Contacts": [{"ContactID": active["ContactID"],
                                                        "Name": "Southern Engineering Pty Ltd",
                                                        "EmailAddress": "ap@southern.example.com"}]}), "Contacts")
    assert updated["EmailAddress"] == "ap@southern.example.com"


def test_it_archives_and_hides_a_contact_unless_archived_ones_are_asked_for(au):
    contact_id = new_contact(au, "Soon Gone")
    au.one(au.post("Contacts", {"Contacts": [{"ContactID": contact_id, "ContactStatus": "ARCHIVED"}]}), "Contacts")
    assert au.get("Contacts", where='Name=="Soon Gone"').json()["Contacts"] == []
    [shown] = au.get("Contacts", where='Name=="Soon Gone"', includeArchived="true").json()["Contacts"]
    assert shown["ContactStatus"] == "ARCHIVED"


def test_it_filters_by_where_on_name_number_and_email_and_by_ids(au):
    first = new_contact(au, "Alpha Tools", ContactNumber="A-1", EmailAddress="a@alpha.example.com")
    second = new_contact(au, "Beta Tools", ContactNumber="B-1")
    assert [c["ContactID"] for c in au.get("Contacts", where='ContactNumber=="A-1"').json()["Contacts"]] == [first]
    assert [c["ContactID"] for c in au.get("Contacts", where='EmailAddress=="A@ALPHA.example.com"').json()[
        "Contacts"]] == [first]
    assert [c["ContactID"] for c in au.get("Contacts", where='Name=="alpha tools" OR Name=="Beta Tools"').json()[
        "Contacts"]] == [first, second]
    assert {c["ContactID"] for c in au.get("Contacts", IDs=f"{first},{second.upper()}").json()["Contacts"]} == {
        first, second}


def test_it_searches_names_numbers_and_emails(au):
    contact_id = new_contact(au, "Gamma Fabrication", ContactNumber="GF-77", EmailAddress="accounts@gamma.example.com")
    for term in ("fabric", "gf-77", "ACCOUNTS@GAMMA"):
        assert [c["ContactID"] for c in au.get("Contacts", searchTerm=term).json()["Contacts"]] == [contact_id]


def test_it_pages_contacts(au):
    for n in range(5):
        new_contact(au, f"Paged {n}")
    page = au.get("Contacts", where='Name!="x"', page="2", pageSize="3").json()
    assert page["pagination"]["page"] == 2 and page["pagination"]["pageSize"] == 3
    assert page["pagination"]["itemCount"] >= 5 and len(page["Contacts"]) == 3
    clamped = au.get("Contacts", page="1", pageSize="5000").json()
    assert clamped["pagination"]["pageSize"] == 1000


def test_it_gets_one_contact_by_id_or_contact_number(au):
    contact_id = new_contact(au, ContactNumber="C-42")
    assert au.get(f"Contacts/{contact_id}").json()["Contacts"][0]["ContactNumber"] == "C-42"
    assert au.get("Contacts/C-42").json()["Contacts"][0]["ContactID"] == contact_id
    missing = au.get("Contacts/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["Title"] == "Not Found"


def test_it_returns_only_contacts_changed_since_if_modified_since(au, sandbox):
    new_contact(au, "Before")
    sandbox.advance_clock(10)
    since = sandbox.sandbox.clock.now().strftime("%a, %d %b %Y %H:%M:%S GMT")
    sandbox.advance_clock(2)
    new_contact(au, "After")
    names = [c["Name"] for c in au.get("Contacts", headers={"If-Modified-Since": since}).json()["Contacts"]]
    assert names == ["After"]


def test_it_validates_payment_terms_addresses_phones_and_email(au):
    [element] = au.put("Contacts", {"Contacts": [{
        "Name": "Wrong Everything", "EmailAddress": "not-an-email",
        "PaymentTerms": {"Sales": {"Day": 0, "Type": "OFFOLLOWINGMONTH"}},
        "Addresses": [{"AddressType": "MOON"}], "Phones": [{"PhoneType": "PIGEON"}]}]}).json()["Contacts"]
    messages = " | ".join(errors(element))
    for fragment in ("Email address must be valid", "Due Date for Sales Invoices must be between 1 and 31",
                     "AddressType", "PhoneType"):
        assert fragment in messages
    assert element["HasErrors"] is True
