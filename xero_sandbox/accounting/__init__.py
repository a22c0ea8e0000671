"""Xero's Accounting API, the endpoints BMS uses, under /api.xro/2.0/.

Each endpoint is a plain function `(Req) -> (status, body)` that runs under the store's lock;
`ROUTES` says which scope family guards it (xero-notes §1.3: the granular scopes, with the broad
`accounting.transactions` still accepted for invoices, payments and manual journals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xero_sandbox.accounting import (
    allocations,
    contacts,
    credit_notes,
    currencies,
    invoices,
    journals,
    organisation,
    payments,
    tracking,
)
from xero_sandbox.accounting.request import Req

Handler = Callable[[Req], tuple[int, dict]]

# Scopes that grant a family; `<scope>.read` grants reading only.
FAMILY_SCOPES = {
    "settings": ("accounting.settings",),
    "contacts": ("accounting.contacts",),
    "invoices": ("accounting.invoices", "accounting.transactions"),
    "payments": ("accounting.payments", "accounting.transactions"),
    "manualjournals": ("accounting.manualjournals", "accounting.transactions"),
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # under /api.xro/2.0
    handler: Handler
    family: str

    @property
    def writes(self) -> bool:
        return self.method in ("PUT", "POST", "DELETE")

    @property
    def keyed(self) -> bool:
        """Xero reads Idempotency-Key on POST, PUT and PATCH only (xero-notes §3.3): never on DELETE."""
        return self.method in ("PUT", "POST", "PATCH")

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


def scope_allows(scopes: set[str], family: str, *, write: bool) -> bool:
    return any(base in scopes or (not write and f"{base}.read" in scopes) for base in FAMILY_SCOPES[family])


ENDPOINTS = [
    Endpoint("GET", "/Organisation", organisation.get_organisation, "settings"),
    Endpoint("GET", "/Accounts", organisation.get_accounts, "settings"),
    Endpoint("GET", "/TaxRates", organisation.get_tax_rates, "settings"),
    Endpoint("GET", "/TrackingCategories", tracking.get_tracking_categories, "settings"),
    Endpoint("PUT", "/TrackingCategories", tracking.put_tracking_category, "settings"),
    Endpoint("PUT", "/TrackingCategories/{ref}/Options", tracking.put_tracking_options, "settings"),
    Endpoint("GET", "/Currencies", currencies.get_currencies, "settings"),
    Endpoint("GET", "/Contacts", contacts.get_contacts, "contacts"),
    Endpoint("PUT", "/Contacts", contacts.put_contacts, "contacts"),
    Endpoint("POST", "/Contacts", contacts.post_contacts, "contacts"),
    Endpoint("GET", "/Contacts/{ref}", contacts.get_contact, "contacts"),
    Endpoint("POST", "/Contacts/{ref}", contacts.post_contact, "contacts"),
    Endpoint("GET", "/Invoices", invoices.get_invoices, "invoices"),
    Endpoint("PUT", "/Invoices", invoices.put_invoices, "invoices"),
    Endpoint("POST", "/Invoices", invoices.post_invoices, "invoices"),
    Endpoint("GET", "/Invoices/{ref}", invoices.get_invoice, "invoices"),
    Endpoint("POST", "/Invoices/{ref}", invoices.post_invoice, "invoices"),
    Endpoint("GET", "/CreditNotes", credit_notes.get_credit_notes, "invoices"),
    Endpoint("PUT", "/CreditNotes", credit_notes.put_credit_notes, "invoices"),
    Endpoint("POST", "/CreditNotes", credit_notes.post_credit_notes, "invoices"),
    Endpoint("GET", "/CreditNotes/{ref}", credit_notes.get_credit_note, "invoices"),
    Endpoint("POST", "/CreditNotes/{ref}", credit_notes.post_credit_note, "invoices"),
    Endpoint("PUT", "/CreditNotes/{ref}/Allocations", allocations.put_allocations, "invoices"),
    Endpoint("DELETE", "/CreditNotes/{ref}/Allocations/{allocation}", allocations.delete_allocation, "invoices"),
    Endpoint("GET", "/Payments", payments.get_payments, "payments"),
    Endpoint("PUT", "/Payments", payments.put_payments, "payments"),
    Endpoint("POST", "/Payments", payments.post_payments, "payments"),
    Endpoint("GET", "/Payments/{ref}", payments.get_payment, "payments"),
    Endpoint("POST", "/Payments/{ref}", payments.post_payment, "payments"),
    Endpoint("GET", "/ManualJournals", journals.get_journals, "manualjournals"),
    Endpoint("PUT", "/ManualJournals", journals.put_journals, "manualjournals"),
    Endpoint("POST", "/ManualJournals", journals.post_journals, "manualjournals"),
    Endpoint("GET", "/ManualJournals/{ref}", journals.get_journal, "manualjournals"),
    Endpoint("POST", "/ManualJournals/{ref}", journals.post_journals, "manualjournals"),
]
