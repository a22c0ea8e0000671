"""Customer → Xero contact sync (PRODUCT.md §3.4), exactly once.

First sync links: ContactNumber (the customer code) first, else the exact name with archived
contacts included (xero-notes trap 15); one match links, several are an error naming them, none
creates. Later syncs update the linked contact. Creates and updates go in batches of ≤ 50 with
summarizeErrors=false, each batch's intent committed before the call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from bms.customers.models import Customer
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import Contact
from bms.xero.idempotency import batch_key, record_key
from bms.xero.models import ContactLink, LinkStatus, XeroTenant
from bms.xero.payloads import contact_payload
from bms.xero.services.batches import send_batch
from bms.xero.services.synclog import SyncLog, SyncOutcome

BATCH_SIZE = 50
LOOKUP_SIZE = 25  # values per look-up call; keeps the URL well under Xero's limit


@dataclass(frozen=True)
class Match:
    contact: Contact | None = None
    error: str = ""


def _label(customer: Customer) -> str:
    return f"Customer {customer.code} ({customer.name})"


def _revision(customer: Customer) -> int:
    # Customers carry no revision counter; the edit time (to the microsecond) identifies the version.
    return int(customer.updated_at.timestamp() * 1_000_000)


def _where_equals(field: str, value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{field}=="{escaped}"'


def _where_any(field: str, values: list[str]) -> str:
    return " OR ".join(_where_equals(field, value) for value in values)


def _lookup(client: XeroAccountingClient, field: str, values: list[str]) -> list[Contact]:
    # One call per LOOKUP_SIZE values (an OR of optimised equality filters) rather than one per customer:
    # a first sync of 200 customers costs a handful of calls, not 400 (PRODUCT.md §4 guarantee 2).
    found: list[Contact] = []
    unique = list(dict.fromkeys(values))
    for start in range(0, len(unique), LOOKUP_SIZE):
        chunk = unique[start : start + LOOKUP_SIZE]
        found += client.get_contacts(where=_where_any(field, chunk), include_archived=True).items
    return found


def contacts_find(client: XeroAccountingClient, customers: list[Customer]) -> dict[int, Match]:
    """The Xero contact each customer should link to, by ContactNumber then exact name."""
    by_number: dict[str, list[Contact]] = {}
    for contact in _lookup(client, "ContactNumber", [c.code for c in customers]):
        by_number.setdefault(contact.contact_number or "", []).append(contact)
    matches: dict[int, Match] = {}
    unnumbered = []
    for customer in customers:
        numbered = by_number.get(customer.code, [])
        if len(numbered) == 1:
            matches[customer.pk] = Match(contact=numbered[0])
        elif numbered:
            matches[customer.pk] = Match(error=_ambiguous(customer, numbered, f"contact code {customer.code}"))
        else:
            unnumbered.append(customer)
    by_name: dict[str, list[Contact]] = {}
    for contact in _lookup(client, "Name", [c.name for c in unnumbered]) if unnumbered else []:
        by_name.setdefault((contact.name or "").strip().lower(), []).append(contact)
    for customer in unnumbered:
        matches[customer.pk] = _match_by_name(customer, by_name.get(customer.name.strip().lower(), []))
    return matches


def _match_by_name(customer: Customer, named: list[Contact]) -> Match:
    usable = [c for c in named if not c.contact_number]
    if len(usable) == 1 and len(named) == 1:
        return Match(contact=usable[0])
    if len(named) > 1:
        return Match(error=_ambiguous(customer, named, f"the name “{customer.name}”"))
    if named:
        other = named[0]
        return Match(
            error=f"Xero already has a contact named “{other.name}” with contact code {other.contact_number}, "
            f"which belongs to another BMS customer. Rename one of them, then sync again."
        )
    return Match()


def _ambiguous(customer: Customer, contacts: list[Contact], what: str) -> str:
    names = "; ".join(
        f"{c.name} ({'archived, ' if c.contact_status == 'ARCHIVED' else ''}ContactID {c.contact_id})" for c in contacts
    )
    return (
        f"{len(contacts)} Xero contacts match {what}: {names}. Give the right one contact code {customer.code} in "
        f"Xero (or merge the duplicates), then sync again."
    )


def _links_for(tenant: XeroTenant, customers: list[Customer]) -> dict[int, ContactLink]:
    # Two statements however many customers: rows another worker created a moment ago are kept.
    ContactLink.objects.bulk_create(
        [ContactLink(tenant=tenant, customer=customer) for customer in customers], ignore_conflicts=True,
        batch_size=500,
    )
    return {link.customer_id: link for link in ContactLink.objects.filter(tenant=tenant, customer__in=customers)}


def _fail(link: ContactLink, customer: Customer, message: str, log: SyncLog, outcome: SyncOutcome) -> None:
    ContactLink.objects.filter(pk=link.pk).update(
        status=LinkStatus.FAILED, last_error=message, error_cause=message[:255], updated_at=timezone.now()
    )
    outcome.failed += 1
    log.error(message, record=_label(customer), cause=message[:255])


def contacts_sync(
    *, tenant: XeroTenant, customers: Iterable[Customer], client: XeroAccountingClient, log: SyncLog
) -> SyncOutcome:
    customers = list(customers)
    outcome = SyncOutcome()
    links = _links_for(tenant, customers)
    to_create: list[tuple[ContactLink, Customer]] = []
    to_update: list[tuple[ContactLink, Customer]] = []
    # Not linked yet, or a create whose answer was lost: ask Xero before creating anything.
    matches = contacts_find(client, [c for c in customers if links[c.pk].status != LinkStatus.PARKED
                                     and not links[c.pk].xero_id])
    for customer in customers:
        link = links[customer.pk]
        if link.status == LinkStatus.PARKED:
            outcome.parked += 1
            continue
        if link.xero_id:
            to_update.append((link, customer))
            continue
        match = matches[customer.pk]
        if match.error:
            _fail(link, customer, match.error, log, outcome)
            log.advance()
            continue
        if match.contact is not None:
            if not _attach(link, customer, match.contact, log, outcome):
                log.advance()
                continue
            if link.status in (LinkStatus.SENDING, LinkStatus.UNCERTAIN):
                # Our own earlier create landed after all: it is synced, not merely linked.
                _succeed(link, customer, match.contact, outcome, created=True)
                log.advance()
                continue
            outcome.linked += 1
            log.info(f"Linked to the existing Xero contact “{match.contact.name}”.", record=_label(customer))
            to_update.append((link, customer))
            continue
        if link.status in (LinkStatus.SENDING, LinkStatus.UNCERTAIN):
            link.key_epoch += 1  # it did not land; a fresh key avoids any cached error for the old one
        to_create.append((link, customer))

    for start in range(0, len(to_create), BATCH_SIZE):
        _push(tenant, to_create[start : start + BATCH_SIZE], client, log, outcome, create=True)
    for start in range(0, len(to_update), BATCH_SIZE):
        _push(tenant, to_update[start : start + BATCH_SIZE], client, log, outcome, create=False)
    _settle_unanswered(tenant, client, [customer for _, customer in to_create], links, log, outcome)
    return outcome


def _settle_unanswered(tenant, client, created: list[Customer], links: dict[int, ContactLink], log: SyncLog,
                       outcome: SyncOutcome) -> None:
    """Creates whose answer was lost have usually landed: look them up now rather than a run later,
    so an invoice waiting for its customer goes in this run. Those not found stay uncertain."""
    unanswered = set(
        ContactLink.objects.filter(tenant=tenant, customer__in=created, status=LinkStatus.UNCERTAIN,
                                   xero_id__isnull=True).values_list("customer_id", flat=True)
    )
    customers = [customer for customer in created if customer.pk in unanswered]
    if not customers:
        return
    found = contacts_find(client, customers)
    for customer in customers:
        link, match = links[customer.pk], found[customer.pk]
        if match.contact is not None and _attach(link, customer, match.contact, log, outcome):
            _succeed(link, customer, match.contact, outcome, created=True)
            log.advance()


def _attach(link: ContactLink, customer: Customer, contact: Contact, log: SyncLog, outcome: SyncOutcome) -> bool:
    """Store the Xero contact on the link; False (and the link failed) when another customer has it."""
    try:
        ContactLink.objects.filter(pk=link.pk).update(xero_id=contact.contact_id)
    except IntegrityError:
        _fail(link, customer, f"Xero contact {contact.contact_id} is already linked to another BMS customer.", log,
              outcome)
        return False
    link.xero_id = contact.contact_id
    return True


def _succeed(link: ContactLink, customer: Customer, result: Contact, outcome: SyncOutcome, *, created: bool) -> None:
    ContactLink.objects.filter(pk=link.pk).update(
        xero_id=result.contact_id or link.xero_id,
        status=LinkStatus.SYNCED,
        revision_pushed=_revision(customer),
        last_pushed_at=timezone.now(),
        last_error="",
        error_cause="",
    )
    if created:
        outcome.created += 1
    else:
        outcome.updated += 1


def _push(tenant, batch, client, log, outcome, *, create: bool) -> None:
    # 1. The intent, committed before the call.
    keys = []
    with transaction.atomic():
        for link, customer in batch:
            link.idempotency_key = record_key(
                tenant_id=tenant.tenant_id, kind="contact", record_id=customer.pk,
                revision=_revision(customer), epoch=link.key_epoch,
            )
            ContactLink.objects.filter(pk=link.pk).update(
                status=LinkStatus.SENDING, idempotency_key=link.idempotency_key, key_epoch=link.key_epoch,
                attempts=link.attempts + 1,
            )
            keys.append(link.idempotency_key)
    elements = [contact_payload(customer, contact_id=None if create else link.xero_id) for link, customer in batch]
    ids = [link.pk for link, _ in batch]
    # 2. The call, outside any transaction.
    operation = "create" if create else "update"
    method = client.create_contacts if create else client.update_or_create_contacts
    call = partial(method, elements, idempotency_key=batch_key(keys, operation=operation))

    def refuse_all(message: str) -> None:
        for link, customer in batch:
            _fail(link, customer, f"Xero refused the request: {message}", log, outcome)

    results = send_batch(tenant=tenant, link_model=ContactLink, link_ids=ids, what="contacts", call=call, log=log,
                         refuse_all=refuse_all)
    if results is None:
        return
    # 3. The outcome, per element.
    for (link, customer), result in zip(batch, results, strict=True):
        if result.is_error:
            message = "; ".join(result.error_messages) or "Xero refused this contact"
            _fail(link, customer, f"Xero: {message}", log, outcome)
        else:
            _succeed(link, customer, result, outcome, created=create)
            for warning in result.warnings:
                log.warning(f"Xero: {warning.message}", record=_label(customer))
        log.advance()
