"""The Accounting API's rules, over real HTTP."""

from decimal import Decimal

from xero_sandbox.tests.conftest import Api


def _invoice(number="AU-000001", **overrides):
    body = {"Type": "ACCREC", "Contact": {"ContactID": None}, "InvoiceNumber": number, "Date": "2026-04-23",
            "DueDate": "2026-05-23", "Status": "AUTHORISED", "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": "Lathe", "Quantity": 3, "UnitAmount": "0.333", "AccountCode": "41110",
                           "TaxType": "OUTPUT"}]}
    body.update(overrides)
    return body


def _contact(api: Api, name="Bright Tools") -> str:
    response = api.write("PUT", "Contacts", {"Contacts": [{"Name": name}]})
    return response.json()["Contacts"][0]["ContactID"]


def test_it_answers_with_xero_dates_and_the_rate_limit_headers(au):
    response = au.get("Organisation")
    assert response.status_code == 200
    organisation = response.json()["Organisations"][0]
    assert organisation["ShortCode"] and organisation["BaseCurrency"] == "AUD"
    assert organisation["CreatedDateUTC"].startswith("/Date(")
    assert int(response.headers["X-MinLimit-Remaining"]) == 59
    assert "X-DayLimit-Remaining" in response.headers and "X-AppMinLimit-Remaining" in response.headers


def test_it_refuses_a_second_contact_with_the_same_name_or_number_on_put(au):
    first = au.write("PUT", "Contacts", {"Contacts": [{"Name": "Bright Tools", "ContactNumber": "C1"}]})
    assert first.json()["Contacts"][0]["StatusAttributeString"] == "OK"
    again = au.write("PUT", "Contacts",
                     {"Contacts": [{"Name": "bright tools"}, {"Name": "Other", "ContactNumber": "C1"}]})
    elements = again.json()["Contacts"]
    assert [e["StatusAttributeString"] for e in elements] == ["ERROR", "ERROR"]
    assert "already assigned to another contact" in elements[0]["ValidationErrors"][0]["Message"]


def test_it_finds_archived_contacts_only_when_asked(au):
    hidden = au.get("Contacts", where='Name=="Old Mill Joinery"').json()["Contacts"]
    shown = au.get("Contacts", where='Name=="Old Mill Joinery"', includeArchived="true").json()["Contacts"]
    assert hidden == [] and shown[0]["ContactStatus"] == "ARCHIVED"
    twins = au.get("Contacts", where='Name=="Southern Engineering Pty Ltd"', includeArchived="true").json()
    assert len(twins["Contacts"]) == 2


def test_it_totals_invoices_per_line_and_rounds_like_xero(au):
    contact_id = _contact(au)
    body = _invoice(Contact={"ContactID": contact_id}, LineItems=[
        {"Description": f"Line {n}", "Quantity": 1, "UnitAmount": "0.333", "AccountCode": "41110", "TaxType": "OUTPUT"}
        for n in range(3)])
    invoice = au.write("PUT", "Invoices", {"Invoices": [body]}, unitdp="4").json()["Invoices"][0]
    assert invoice["StatusAttributeString"] == "OK"
    assert (Decimal(str(invoice["SubTotal"])), Decimal(str(invoice["TotalTax"])), Decimal(str(invoice["Total"]))) == (
        Decimal("0.99"), Decimal("0.09"), Decimal("1.08"))


def test_it_fails_only_the_bad_invoice_in_a_batch_with_summarize_errors_false(au):
    contact_id = _contact(au)
    batch = [_invoice(f"AU-{n:06d}", Contact={"ContactID": contact_id}) for n in range(1, 6)]
    batch[2]["LineItems"][0]["AccountCode"] = "41900"  # archived
    response = au.write("PUT", "Invoices", {"Invoices": batch})
    assert response.status_code == 200
    statuses = [e["StatusAttributeString"] for e in response.json()["Invoices"]]
    assert statuses == ["OK", "OK", "ERROR", "OK", "OK"]
    assert "has been archived" in response.json()["Invoices"][2]["ValidationErrors"][0]["Message"]


def test_it_answers_400_without_summarize_errors_but_still_saves_the_good_ones(au):
    contact_id = _contact(au)
    batch = [_invoice("AU-000010", Contact={"ContactID": contact_id}),
             _invoice("AU-000011", Contact={"ContactID": contact_id}, DueDate=None)]
    response = au.write("PUT", "Invoices", {"Invoices": batch}, summarize=True)
    assert response.status_code == 400 and response.json()["Type"] == "ValidationException"
    numbers = [i["InvoiceNumber"] for i in au.get("Invoices").json()["Invoices"]]
    assert "AU-000010" in numbers  # the trap real Xero sets (xero-notes trap 3)


def test_it_refuses_a_duplicate_number_missing_due_date_and_unknown_tax(au):
    contact_id = _contact(au)
    au.write("PUT", "Invoices", {"Invoices": [_invoice(Contact={"ContactID": contact_id})]})
    duplicate = au.write("PUT", "Invoices", {"Invoices": [_invoice(Contact={"ContactID": contact_id})]})
    assert duplicate.json()["Invoices"][0]["ValidationErrors"][0]["Message"] == "Invoice # must be unique."
    no_due = au.write("PUT", "Invoices", {"Invoices": [_invoice("X-2", Contact={"ContactID": contact_id},
                                                                DueDate=None)]})
    assert "Due Date is mandatory" in no_due.text
    bad_tax = _invoice("X-3", Contact={"ContactID": contact_id})
    bad_tax["LineItems"][0]["TaxType"] = "NOPE"
    assert "TaxType code 'NOPE'" in au.write("PUT", "Invoices", {"Invoices": [bad_tax]}).text


def test_it_keeps_line_ids_on_update_and_deletes_lines_left_out(au):
    contact_id = _contact(au)
    body = _invoice(Contact={"ContactID": contact_id}, Status="DRAFT", LineItems=[
        {"Description": "A", "Quantity": 1, "UnitAmount": 10, "AccountCode": "41110"},
        {"Description": "B", "Quantity": 1, "UnitAmount": 20, "AccountCode": "41110"}])
    created = au.write("PUT", "Invoices", {"Invoices": [body]}).json()["Invoices"][0]
    first_line = created["LineItems"][0]["LineItemID"]
    update = {"InvoiceID": created["InvoiceID"], "LineItems": [
        {"LineItemID": first_line, "Description": "A changed", "Quantity": 2, "UnitAmount": 10,
         "AccountCode": "41110"}]}
    updated = au.write("POST", "Invoices", {"Invoices": [update]}).json()["Invoices"][0]
    assert [line["LineItemID"] for line in updated["LineItems"]] == [first_line]
    assert updated["LineItems"][0]["Description"] == "A changed"


def test_it_follows_payments_and_refuses_voiding_a_paid_invoice(au, sandbox):
    contact_id = _contact(au)
    invoice = au.write("PUT", "Invoices", {"Invoices": [_invoice(Contact={"ContactID": contact_id}, LineItems=[
        {"Description": "A", "Quantity": 1, "UnitAmount": 100, "AccountCode": "41110", "TaxType": "OUTPUT"}])]}
    ).json()["Invoices"][0]
    paid = au.write("PUT", "Payments", {"Payments": [{"Invoice": {"InvoiceID": invoice["InvoiceID"]},
                                                      "Account": {"Code": "10100"}, "Date": "2026-05-01",
                                                      "Amount": 110}]}).json()["Payments"][0]
    assert paid["StatusAttributeString"] == "OK"
    after = au.get(f"Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]
    assert (after["Status"], Decimal(str(after["AmountDue"]))) == ("PAID", Decimal("0.00"))
    void = au.write("POST", "Invoices", {"Invoices": [{"InvoiceID": invoice["InvoiceID"], "Status": "VOIDED"}]})
    assert void.json()["Invoices"][0]["StatusAttributeString"] == "ERROR"
    deleted = au.write("POST", f"Payments/{paid['PaymentID']}", {"Payments": [{"Status": "DELETED"}]})
    assert deleted.json()["Payments"][0]["Status"] == "DELETED"
    assert au.get(f"Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]["Status"] == "AUTHORISED"


def test_it_keeps_manual_journals_balanced_and_out_of_bank_and_system_accounts(au):
    def journal(lines, narration="Cost of sales [BMS-J-1]", **extra):
        return {"ManualJournals": [{"Narration": narration, "Date": "2026-04-23", "Status": "POSTED",
                                    "JournalLines": [{"LineAmount": a, "AccountCode": c} for a, c in lines], **extra}]}

    ok = au.write("PUT", "ManualJournals", journal([(100, "51110"), (-100, "14410")])).json()["ManualJournals"][0]
    assert ok["StatusAttributeString"] == "OK" and ok["Status"] == "POSTED"
    unbalanced = au.write("PUT", "ManualJournals", journal([(100, "51110"), (-10, "14410")]))
    assert "The total debits (100.00) must equal total credits (-10.00)" in unbalanced.text
    assert "bank account" in au.write("PUT", "ManualJournals", journal([(5, "51110"), (-5, "10100")])).text
    assert "system account" in au.write("PUT", "ManualJournals", journal([(5, "51110"), (-5, "11000")])).text
    assert "at least two" in au.write("PUT", "ManualJournals", journal([(0, "51110")])).text
    found = au.get("ManualJournals", where='Narration=="Cost of sales [BMS-J-1]"').json()["ManualJournals"]
    assert [j["ManualJournalID"] for j in found] == [ok["ManualJournalID"]]
    draft = au.write("PUT", "ManualJournals", {"ManualJournals": [{"Narration": "n", "JournalLines": [
        {"LineAmount": 1, "AccountCode": "51110"}, {"LineAmount": -1, "AccountCode": "14410"}]}]})
    assert draft.json()["ManualJournals"][0]["Status"] == "DRAFT"


def test_it_refuses_anything_dated_on_or_before_the_lock_date(sandbox, au):
    sandbox.control("POST", f"tenants/{au.tenant}/lock-date", date="2026-04-30")
    journal = {"ManualJournals": [{"Narration": "n", "Date": "2026-04-30", "Status": "POSTED", "JournalLines": [
        {"LineAmount": 1, "AccountCode": "51110"}, {"LineAmount": -1, "AccountCode": "14410"}]}]}
    assert "period lock date (30/04/2026)" in au.write("PUT", "ManualJournals", journal).text
    assert au.get("Organisation").json()["Organisations"][0]["PeriodLockDate"].startswith("/Date(")


def test_it_replays_an_idempotent_request_and_refuses_the_key_for_a_different_one(au):
    body = {"Contacts": [{"Name": "Once Only"}]}
    first = au.write("PUT", "Contacts", body, key="key-1")
    second = au.write("PUT", "Contacts", body, key="key-1")
    assert first.json()["Contacts"][0]["ContactID"] == second.json()["Contacts"][0]["ContactID"]
    assert len(au.get("Contacts", where='Name=="Once Only"').json()["Contacts"]) == 1
    different = au.write("PUT", "Contacts", {"Contacts": [{"Name": "Someone Else"}]}, key="key-1")
    assert different.status_code == 400 and "used with a different request" in different.text


def test_it_answers_xeros_shapes_to_bad_requests(sandbox, au):
    import httpx2

    no_token = httpx2.get(f"{sandbox.api_url}/Organisation", headers={"xero-tenant-id": au.tenant})
    assert no_token.status_code == 401 and no_token.json()["Title"] == "Unauthorized"
    wrong_tenant = httpx2.get(f"{sandbox.api_url}/Organisation", headers=au.headers(**{"xero-tenant-id": "nope"}))
    assert wrong_tenant.status_code == 403 and wrong_tenant.json()["Detail"] == "AuthenticationUnsuccessful"
    malformed = httpx2.put(f"{sandbox.api_url}/Contacts", headers=au.headers(**{"Content-Type": "application/json"}),
                           content=b"{not json")
    assert malformed.status_code == 400 and malformed.json()["Type"] == "PostDataInvalidException"
    wrong_type = httpx2.put(f"{sandbox.api_url}/Contacts", headers=au.headers(**{"Content-Type": "text/plain"}),
                            content=b"hello")
    assert wrong_type.status_code == 415
    huge = httpx2.put(f"{sandbox.api_url}/Contacts", headers=au.headers(**{"Content-Type": "application/json"}),
                      content=b" " * 3_600_000)
    assert huge.status_code == 413
