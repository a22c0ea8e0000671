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

from bms.billing.models import Customer
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import Contact
from bms.xero.idempotency import batch_key, record_key
from bms.xero.models import ContactLink, LinkStatus, XeroTenant
from bms.xero.payloads import contact_payload
from bms.xero.services.batches import send_batch
from bms.xero.services.synclog import SyncLog, SyncOutcome

BATCH_SIZE = 50


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


def contact_find(client: XeroAccountingClient, customer: Customer) -> Match:
    """The Xero contact this customer should link to, by ContactNumber then exact name."""
    by_number = client.get_contacts(where=_where_equals("ContactNumber", customer.code), include_archived=True).items
    by_number = [c for c in by_number if (c.contact_number or "") == customer.code]
    if len(by_number) == 1:
        return Match(contact=by_number[0])
    if len(by_number) > 1:
        return Match(error=_ambiguous(customer, by_number, f"contact code {customer.code}"))
    by_name = client.get_contacts(where=_where_equals("Name", customer.name), include_archived=True).items
    by_name = [c for c in by_name if (c.name or "").strip().lower() == customer.name.strip().lower()]
    usable = [c for c in by_name if not c.contact_number]
    if len(usable) == 1 and len(by_name) == 1:
        return Match(contact=usable[0])
    if len(by_name) > 1:
        return Match(error=_ambiguous(customer, by_name, f"the name “{customer.name}”"))
    if by_name:
        other = by_name[0]
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
    links = {link.customer_id: link for link in ContactLink.objects.filter(tenant=tenant, customer__in=customers)}
    for customer in customers:
        if customer.pk not in links:
            try:
                with transaction.atomic():
                    links[customer.pk] = ContactLink.objects.create(tenant=tenant, customer=customer)
            except IntegrityError:  # another worker created it first
                links[customer.pk] = ContactLink.objects.get(tenant=tenant, customer=customer)
    return links


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
    for customer in customers:
        link = links[customer.pk]
        if link.status == LinkStatus.PARKED:
            outcome.parked += 1
            continue
        if link.xero_id:
            to_update.append((link, customer))
            continue
        # Not linked yet, or a create whose answer was lost: ask Xero before creating anything.
        match = contact_find(client, customer)
        if match.error:
            _fail(link, customer, match.error, log, outcome)
            log.advance()
            continue
        if match.contact is not None:
            try:
                ContactLink.objects.filter(pk=link.pk).update(xero_id=match.contact.contact_id)
            except IntegrityError:
                _fail(link, customer, f"Xero contact {match.contact.contact_id} is already linked to another "
                      "BMS customer.", log, outcome)
                log.advance()
                continue
            link.xero_id = match.contact.contact_id
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
    return outcome


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
