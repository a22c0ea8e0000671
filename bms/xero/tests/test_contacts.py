"""Customer → Xero contact sync (PRODUCT.md §3.4) against the sandbox."""

import pytest

from bms.customers.services import customer_update
from bms.testing import factories as f
from bms.xero.models import ContactLink, LinkStatus
from bms.xero.services.contacts import contacts_sync
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import xero_client

pytestmark = pytest.mark.django_db


def _contacts(sandbox, tenant, name):
    return [c for c in sandbox.state()["orgs"][tenant.xero_tenant_id]["contacts"] if c["Name"] == name]


def _sync(tenant, customers):
    log = CollectingLog()
    with xero_client(tenant) as client:
        outcome = contacts_sync(tenant=tenant, customers=customers, client=client, log=log)
    return outcome, log


def test_it_links_by_contact_code_first_even_to_an_archived_contact(connected, sandbox):
    customer = f.customer(code="C9001", name="Old Mill Joinery Pty Ltd (renamed in BMS)")
    outcome, _ = _sync(connected, [customer])
    link = ContactLink.objects.get(customer=customer)
    archived = _contacts(sandbox, connected, "Old Mill Joinery Pty Ltd (renamed in BMS)")
    assert link.status == LinkStatus.SYNCED and outcome.linked == 1 and outcome.created == 0
    assert archived and archived[0]["ContactID"] == link.xero_id  # linked, then updated with BMS's name


def test_it_links_by_exact_name_when_no_contact_has_the_code(connected, sandbox):
    customer = f.customer(code="C0100", name="Harbour Tools Pty Ltd", email="accounts@harbour.example.com")
    outcome, _ = _sync(connected, [customer])
    [contact] = _contacts(sandbox, connected, "Harbour Tools Pty Ltd")
    assert outcome.linked == 1 and ContactLink.objects.get(customer=customer).xero_id == contact["ContactID"]
    assert contact["ContactNumber"] == "C0100" and contact["EmailAddress"] == "accounts@harbour.example.com"


def test_it_refuses_a_name_matching_two_contacts_and_names_them(connected, sandbox):
    customer = f.customer(code="C0200", name="Southern Engineering Pty Ltd")
    outcome, _ = _sync(connected, [customer])
    link = ContactLink.objects.get(customer=customer)
    assert outcome.failed == 1 and link.status == LinkStatus.FAILED
    assert "2 Xero contacts match the name “Southern Engineering Pty Ltd”" in link.last_error
    assert link.last_error.count("ContactID") == 2 and "archived" in link.last_error
    assert len(_contacts(sandbox, connected, "Southern Engineering Pty Ltd")) == 2  # nothing created


def test_it_creates_a_new_contact_then_updates_it(connected, sandbox):
    customer = f.customer(code="C0300", name="Kauri Fabrication Pty Ltd", phone="+61 2 5555 0101",
                          postal_address_line1="PO Box 12", postal_city="Sydney", postal_country="Australia",
                          payment_terms=f.terms("OFFOLLOWINGMONTH", 20))
    outcome, _ = _sync(connected, [customer])
    assert outcome.created == 1
    [contact] = _contacts(sandbox, connected, "Kauri Fabrication Pty Ltd")
    assert contact["ContactNumber"] == "C0300" and contact["Phones"][0]["PhoneNumber"] == "+61 2 5555 0101"
    assert contact["PaymentTerms"] == {"Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"}}
    customer_update(customer=customer, email="new@kauri.example.com")
    outcome, log = _sync(connected, [customer])
    assert outcome.updated == 1, log.lines
    [contact] = _contacts(sandbox, connected, "Kauri Fabrication Pty Ltd")
    assert contact["EmailAddress"] == "new@kauri.example.com"
