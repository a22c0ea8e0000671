"""Contacts changed in Xero (xero-notes §5; SPEC Contact.MergedToContactID): archive and
unarchive by POSTing ContactStatus, GDPR requests that can never be used again, merges whose
MergedToContactID only paged and single reads return, and invoices to such contacts refused."""

from __future__ import annotations

from xero_sandbox.tests.conftest import errors, invoice, new_contact


def test_a_contact_is_archived_and_unarchived_by_posting_its_status(au):
    contact_id = new_contact(au)
    archived = au.one(au.post(f"Contacts/{contact_id}", {"Contacts": [{"ContactStatus": "ARCHIVED"}]}, key="k1"),
                      "Contacts")
    assert archived["ContactStatus"] == "ARCHIVED"
    assert contact_id not in [c["ContactID"] for c in au.get("Contacts").json()["Contacts"]]
    assert contact_id in [c["ContactID"] for c in au.get("Contacts", includeArchived="true").json()["Contacts"]]
    active = au.one(au.post(f"Contacts/{contact_id}", {"Contacts": [{"ContactStatus": "ACTIVE"}]}, key="k2"),
                    "Contacts")
    assert active["ContactStatus"] == "ACTIVE"


def test_an_invoice_to_an_archived_contact_is_refused_with_xeros_message(au, sandbox):
    contact_id = new_contact(au)
    sandbox.set_contact_status(au.tenant, contact_id, "ARCHIVED")
    [refused] = au.put("Invoices", {"Invoices": [invoice(contact_id)]}).json()["Invoices"]
    assert errors(refused) == ["The contact Bright Tools Pty Ltd has been archived and can't be used on a new "
                               "transaction."]
    assert sandbox.state()["orgs"][au.tenant]["invoices"] == []


def test_a_gdpr_request_contact_can_never_be_unarchived_or_invoiced(au, sandbox):
    contact_id = new_contact(au)
    sandbox.set_contact_status(au.tenant, contact_id, "GDPRREQUEST")
    [refused] = au.post(f"Contacts/{contact_id}", {"Contacts": [{"ContactStatus": "ACTIVE"}]}).json()["Contacts"]
    assert "GDPR request" in errors(refused)[0]
    [invoice_refused] = au.put("Invoices", {"Invoices": [invoice(contact_id)]}).json()["Invoices"]
    assert "can't be used on a new transaction" in errors(invoice_refused)[0]
    single = au.get(f"Contacts/{contact_id}").json()["Contacts"][0]
    assert single["ContactStatus"] == "GDPRREQUEST"


def test_merged_to_contact_id_comes_only_with_paged_and_single_reads(au, sandbox):
    gone, survivor = new_contact(au, "Gone Pty Ltd"), new_contact(au, "Survivor Pty Ltd")
    au.one(au.put("Invoices", {"Invoices": [invoice(gone)]}), "Invoices")
    sandbox.merge_contacts(au.tenant, gone, into=survivor)
    unpaged = au.get("Contacts", IDs=gone, includeArchived="true").json()["Contacts"]
    paged = au.get("Contacts", IDs=gone, includeArchived="true", page="1").json()["Contacts"]
    single = au.get(f"Contacts/{gone}").json()["Contacts"]
    assert [c["ContactStatus"] for c in unpaged] == ["ARCHIVED"] and "MergedToContactID" not in unpaged[0]
    assert paged[0]["MergedToContactID"] == single[0]["MergedToContactID"] == survivor
    # Without includeArchived the merged-away contact is not listed at all.
    assert au.get("Contacts", IDs=gone, page="1").json()["Contacts"] == []
    # Its transactions moved to the survivor.
    [moved] = au.get("Invoices", ContactIDs=survivor).json()["Invoices"]
    assert moved["Contact"]["ContactID"] == survivor


def test_currencies_lists_the_organisations_own_base_first(au, nz):
    assert [c["Code"] for c in au.get("Currencies").json()["Currencies"]] == ["AUD", "NZD", "USD"]
    assert [c["Code"] for c in nz.get("Currencies").json()["Currencies"]] == ["NZD"]
    assert [c["Code"] for c in au.get("Currencies", where='Code=="USD"').json()["Currencies"]] == ["USD"]


def test_an_invoice_in_a_currency_the_organisation_lacks_is_refused_until_it_is_enabled(au, sandbox):
    contact_id = new_contact(au)
    [refused] = au.put("Invoices", {"Invoices": [invoice(contact_id, CurrencyCode="EUR")]}).json()["Invoices"]
    assert errors(refused) == ["Organisation is not subscribed to currency EUR."]
    sandbox.enable_currency(au.tenant, "EUR")
    created = au.one(au.put("Invoices", {"Invoices": [invoice(contact_id, CurrencyCode="EUR")]}), "Invoices")
    assert created["CurrencyCode"] == "EUR"


def test_a_foreign_currency_invoice_gets_xeros_day_rate_unless_it_sends_one(au):
    contact_id = new_contact(au)
    day = au.one(au.put("Invoices", {"Invoices": [invoice(contact_id, CurrencyCode="USD")]}), "Invoices")
    sent = au.one(au.put("Invoices", {"Invoices": [invoice(contact_id, "AU-000002", CurrencyCode="USD",
                                                           CurrencyRate="0.7")]}), "Invoices")
    home = au.one(au.put("Invoices", {"Invoices": [invoice(contact_id, "AU-000003")]}), "Invoices")
    assert (str(day["CurrencyRate"]), str(sent["CurrencyRate"]), str(home["CurrencyRate"])) == ("0.655", "0.7", "1")
