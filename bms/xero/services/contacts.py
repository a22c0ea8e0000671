"""Customer → Xero contact sync (PRODUCT.md §3.4), exactly once: the contacts kind of the push engine.

First sync links: ContactNumber (the customer code) first, else the exact name with archived
contacts included (xero-notes trap 15); one match links, several are an error naming them, none
creates. Later syncs update the linked contact. Batches, keys, intent and outcome: sync/push.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, ClassVar

from django.utils import timezone

from bms.customers.models import Customer
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import Contact
from bms.xero.models import ContactLink, SyncLink, XeroTenant
from bms.xero.payloads import contact_payload
from bms.xero.services.contact_checks import contact_update_verdict
from bms.xero.services.contact_status import contact_statuses_refresh
from bms.xero.sync.log import SyncLog, SyncOutcome
from bms.xero.sync.pipeline import at_once
from bms.xero.sync.push import PushKind, Refusal, Verdict, push

LOOKUP_SIZE = 25  # values per look-up call; keeps the URL well under Xero's limit


def _where_equals(field: str, value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{field}=="{escaped}"'


def _where_any(field: str, values: list[str]) -> str:
    return " OR ".join(_where_equals(field, value) for value in values)


def _lookup(client: XeroAccountingClient, field: str, values: list[str]) -> list[Contact]:
    # One call per LOOKUP_SIZE values (an OR of optimised equality filters) rather than one per customer:
    # a first sync of 200 customers costs a handful of calls, not 400 (PRODUCT.md §4 guarantee 2). The
    # chunks do not depend on each other: they go out together, within the tenant's concurrent calls.
    unique = list(dict.fromkeys(values))
    chunks = [unique[start : start + LOOKUP_SIZE] for start in range(0, len(unique), LOOKUP_SIZE)]
    pages = at_once(client, [partial(_lookup_chunk, field=field, values=chunk) for chunk in chunks])
    return [contact for page in pages for contact in page]


def _lookup_chunk(client: XeroAccountingClient, *, field: str, values: list[str]) -> list[Contact]:
    return client.get_contacts(where=_where_any(field, values), include_archived=True).items


def contacts_find(client: XeroAccountingClient, customers: list[Customer]) -> dict[int, Contact | Refusal | None]:
    """The Xero contact each customer should link to, by ContactNumber then exact name."""
    by_number: dict[str, list[Contact]] = {}
    for contact in _lookup(client, "ContactNumber", [c.code for c in customers]):
        by_number.setdefault(contact.contact_number or "", []).append(contact)
    matches: dict[int, Contact | Refusal | None] = {}
    unnumbered = []
    for customer in customers:
        numbered = by_number.get(customer.code, [])
        if len(numbered) == 1:
            matches[customer.pk] = numbered[0]
        elif numbered:
            matches[customer.pk] = Refusal(_ambiguous(customer, numbered, f"contact code {customer.code}"))
        else:
            unnumbered.append(customer)
    by_name: dict[str, list[Contact]] = {}
    for contact in _lookup(client, "Name", [c.name for c in unnumbered]) if unnumbered else []:
        by_name.setdefault((contact.name or "").strip().lower(), []).append(contact)
    for customer in unnumbered:
        matches[customer.pk] = _match_by_name(customer, by_name.get(customer.name.strip().lower(), []))
    return matches


def _match_by_name(customer: Customer, named: list[Contact]) -> Contact | Refusal | None:
    usable = [c for c in named if not c.contact_number]
    if len(usable) == 1 and len(named) == 1:
        return usable[0]
    if len(named) > 1:
        return Refusal(_ambiguous(customer, named, f"the name “{customer.name}”"))
    if named:
        other = named[0]
        return Refusal(
            f"Xero already has a contact named “{other.name}” with contact code {other.contact_number}, "
            f"which belongs to another BMS customer. Rename one of them, then sync again."
        )
    return None


def _ambiguous(customer: Customer, contacts: list[Contact], what: str) -> str:
    names = "; ".join(
        f"{c.name} ({'archived, ' if c.contact_status == 'ARCHIVED' else ''}ContactID {c.contact_id})" for c in contacts
    )
    return (
        f"{len(contacts)} Xero contacts match {what}: {names}. Give the right one contact code {customer.code} in "
        f"Xero (or merge the duplicates), then sync again."
    )


class ContactPush(PushKind[Customer, Contact]):
    kind = "contact"
    what = "contacts"
    link_model: ClassVar[type[SyncLink]] = ContactLink
    record_field = "customer"

    def label(self, record: Customer) -> str:
        return f"Customer {record.code} ({record.name})"

    def revision(self, record: Customer) -> int:
        # Customers carry no revision counter; the edit time (to the microsecond) identifies the version.
        return int(record.updated_at.timestamp() * 1_000_000)

    def is_current(self, link: SyncLink, record: Customer) -> bool:
        return False  # a sync asked for sends the customer as BMS holds it, even if Xero was edited since

    def needs_lookup(self, link: SyncLink) -> bool:
        return not link.xero_id  # not linked yet, or a create whose answer was lost: ask Xero first

    def lookup(self, records: list[Customer]) -> dict[int, Contact | Refusal]:
        return {pk: match for pk, match in contacts_find(self.client, records).items() if match is not None}

    def checks(self) -> Sequence[Callable[[Customer, SyncLink], Verdict | None]]:
        """The pre-send checks (PushKind.check runs them; so does Check against Xero). A new check is
        one small method, pure given the reference data read once per run, added to this list."""
        return (self.check_contact_state,)

    def check_contact_state(self, record: Customer, link: SyncLink) -> Verdict | None:
        """No edits to a contact under a GDPR request or merged away (services/contact_checks.py)."""
        if not isinstance(link, ContactLink):
            return None
        return contact_update_verdict(customer_code=record.code, customer_id=record.pk,
                                      xero_contact_status=link.xero_contact_status,
                                      xero_merged_to_id=link.xero_merged_to_id)

    def success_fields(self, record: Customer, link: SyncLink, result: Contact | None) -> dict[str, Any]:
        if result is None:
            return {}
        # Xero's answer says the contact's status: a fresh read, for the trust window too.
        return {"xero_contact_status": result.contact_status or "ACTIVE", "xero_contact_read_at": timezone.now()}

    def linked_text(self, match: Contact) -> str:
        return f"Linked to the existing Xero contact “{match.name}”."

    def element(self, record: Customer, link: SyncLink, *, create: bool) -> Contact:
        return contact_payload(record, contact_id=None if create else link.xero_id)

    def send(self, client: XeroAccountingClient, elements: list[Contact], *, create: bool,
             key: str) -> list[Contact]:
        method = client.create_contacts if create else client.update_or_create_contacts
        return method(elements, idempotency_key=key)

    def xero_id(self, result: Contact) -> str:
        return result.contact_id or ""


def contacts_sync(
    *, tenant: XeroTenant, customers: Iterable[Customer], client: XeroAccountingClient, log: SyncLog
) -> SyncOutcome:
    records = list(customers)
    # Archived, GDPR-request and merged contacts are known before anything is sent to them.
    contact_statuses_refresh(tenant=tenant, client=client, customer_ids=[c.pk for c in records], log=log)
    return push(ContactPush(tenant=tenant, client=client, log=log), records)
