"""The status of linked contacts, as Xero holds it (PRODUCT.md §3.8, issue 16 item 2).

A contact can be archived, put under a GDPR request or merged into another one in Xero, and BMS
is not told. So before its customers' invoices are pushed (and during a contact sync) the linked
contacts are read again: paged reads of up to `READ_SIZE` ContactIDs with `includeArchived=true`,
the only list reads that return archived contacts and `MergedToContactID` (SPEC, Contact schema;
xero-notes §5, trap 15). A link read within `TRUST_WINDOW` is not read again, so a push every few
minutes does not cost a read each time.

A merged contact is followed to the surviving one — unless another customer is already linked to
that one: then the merged-away link is marked (`xero_merged_to_id`) and reported for an admin to
choose (Relink), never silently re-pointed, since two BMS customers cannot share one contact.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from bms.core.text import counted
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import Contact
from bms.xero.models import ContactLink, InvoiceLink, LinkStatus, XeroTenant
from bms.xero.services.contact_checks import ARCHIVED_CAUSE, GDPR_CAUSE
from bms.xero.services.contact_checks import MERGED_CAUSE as HELD_MERGED_CAUSE
from bms.xero.sync.log import SyncLog
from bms.xero.sync.pipeline import at_once

TRUST_WINDOW = timedelta(minutes=10)
READ_SIZE = 40  # ContactIDs per paged read: Xero recommends ~40 values in a list filter
MAX_MERGE_HOPS = 5  # A merged into B merged into C…: followed this far, then reported
MERGED_CAUSE = "contact merged in Xero into another customer's contact"


def contact_statuses_refresh(
    *, tenant: XeroTenant, client: XeroAccountingClient, customer_ids: Iterable[int], log: SyncLog,
    force: bool = False,
) -> int:
    """Read the status of these customers' linked contacts (those not read within the trust window,
    or all with `force`); returns how many were read."""
    links = ContactLink.objects.filter(tenant=tenant, customer_id__in=list(customer_ids), xero_id__isnull=False)
    if not force:
        links = links.exclude(xero_contact_read_at__gte=timezone.now() - TRUST_WINDOW)
    stale = list(links.select_related("customer"))
    for link, contact in _read(client, stale):
        contact_status_apply(link=link, contact=contact, client=client, log=log)
    return len(stale)


def contact_states_read(*, tenant: XeroTenant, client: XeroAccountingClient, customer_ids: Iterable[int]
                        ) -> dict[int, tuple[str, str]]:
    """What a refresh would store, read now and kept nowhere (Check against Xero writes nothing):
    customer pk → (the contact's status, the survivor's ContactID when merged into another
    customer's contact). Merges are resolved as `contact_status_apply` resolves them."""
    links = list(ContactLink.objects.filter(tenant=tenant, customer_id__in=list(customer_ids), xero_id__isnull=False))
    states = {}
    for link, contact in _read(client, links):
        target, blocked_by = contact_merge_resolve(link=link, contact=contact, client=client)
        states[link.customer_id] = ((contact if blocked_by else target).contact_status or "ACTIVE", blocked_by)
    return states


def _read(client: XeroAccountingClient, links: list[ContactLink]) -> Iterator[tuple[ContactLink, Contact]]:
    """The links' contacts as Xero holds them, READ_SIZE per paged read (archived included); the reads
    go out together."""
    chunks = [links[start:start + READ_SIZE] for start in range(0, len(links), READ_SIZE)]
    pages = at_once(client, [partial(_read_chunk, ids=[link.xero_id or "" for link in chunk]) for chunk in chunks])
    for chunk, page in zip(chunks, pages, strict=True):
        found = {(contact.contact_id or "").lower(): contact for contact in page}
        for link in chunk:
            contact = found.get((link.xero_id or "").lower())
            if contact is not None:
                yield link, contact


def _read_chunk(client: XeroAccountingClient, *, ids: list[str]) -> list[Contact]:
    return client.get_contacts(ids=ids, include_archived=True, page=1).items


def held_contacts_recheck(*, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog) -> int:
    """Invoices held for their customer's contact (archived, GDPR request, merged): the contact is
    read again once the trust window has passed, whichever invoices a push is about, and when it
    can take invoices again (e.g. unarchived in Xero by hand) the held invoices are released, so the
    schedule's next push sends them. Returns how many were released."""
    held = InvoiceLink.objects.filter(tenant=tenant, status=LinkStatus.FAILED,
                                      error_cause__in=(ARCHIVED_CAUSE, GDPR_CAUSE, HELD_MERGED_CAUSE))
    customer_ids = set(held.values_list("invoice__customer_id", flat=True))
    if not customer_ids:
        return 0
    contact_statuses_refresh(tenant=tenant, client=client, customer_ids=customer_ids, log=log)
    usable = ContactLink.objects.filter(tenant=tenant, customer_id__in=customer_ids, xero_merged_to_id="").exclude(
        xero_contact_status__in=("ARCHIVED", "GDPRREQUEST")).values_list("customer_id", flat=True)
    released = held.filter(invoice__customer_id__in=list(usable)).update(
        status=LinkStatus.PENDING, last_error="", error_cause="", updated_at=timezone.now())
    if released:
        log.info(f"{counted(released, 'invoice')} held for their customer's Xero contact can go again: the "
                 "contact can take invoices now. They go with the next push.")
    return released


def contact_status_apply(*, link: ContactLink, contact: Contact, client: XeroAccountingClient, log: SyncLog) -> None:
    """Keep what Xero holds for this link's contact; follow a merge when it is safe to."""
    target, blocked_by = contact_merge_resolve(link=link, contact=contact, client=client)
    if blocked_by:
        _mark_merged(link, contact, blocked_by, log)
        return
    label = f"Customer {link.customer.code} ({link.customer.name})"
    values = {"xero_contact_status": target.contact_status or "ACTIVE", "xero_merged_to_id": "",
              "xero_contact_read_at": timezone.now()}
    if target is not contact:
        values["xero_id"] = target.contact_id
        log.info(f"Xero contact “{contact.name}” was merged into “{target.name}” in Xero; the customer now "
                 f"follows it (ContactID {target.contact_id}).", record=label)
    try:
        with transaction.atomic():
            ContactLink.objects.filter(pk=link.pk).update(**values)
    except IntegrityError:  # another link took the survivor between the check and the update
        _mark_merged(link, contact, target.contact_id or "", log)
        return
    for name, value in values.items():
        setattr(link, name, value)


def contact_merge_resolve(*, link: ContactLink, contact: Contact, client: XeroAccountingClient
                          ) -> tuple[Contact, str]:
    """The contact this link should follow (merges followed up to MAX_MERGE_HOPS), and the survivor's
    ContactID when another link already holds it (then it is reported, never followed)."""
    target, hops = contact, 0
    while target.merged_to_contact_id and hops < MAX_MERGE_HOPS:
        survivor_id = target.merged_to_contact_id
        if ContactLink.objects.filter(tenant_id=link.tenant_id, xero_id=survivor_id).exclude(pk=link.pk).exists():
            return target, survivor_id
        survivor = client.get_contact(survivor_id)
        if survivor is None:
            break
        target, hops = survivor, hops + 1
    return target, ""


def _mark_merged(link: ContactLink, contact: Contact, survivor_id: str, log: SyncLog) -> None:
    other = ContactLink.objects.filter(tenant_id=link.tenant_id, xero_id=survivor_id).select_related(
        "customer").first()
    who = f"customer {other.customer.code} ({other.customer.name})" if other else "another customer"
    ContactLink.objects.filter(pk=link.pk).update(
        xero_contact_status=contact.contact_status or "ARCHIVED", xero_merged_to_id=survivor_id,
        xero_contact_read_at=timezone.now())
    link.xero_merged_to_id, link.xero_contact_status = survivor_id, contact.contact_status or "ARCHIVED"
    log.warning(f"Xero contact “{contact.name}” was merged in Xero into the contact of {who}. BMS has not moved "
                f"this customer: an admin chooses (Relink on the customer's Xero Integration panel).",
                record=f"Customer {link.customer.code} ({link.customer.name})", cause=MERGED_CAUSE)
