"""The two fixes for a customer whose Xero contact can no longer take invoices (archived, under a
GDPR request, or merged into another customer's contact): Unarchive and Relink, offered on the
customer's Xero Integration panel and registered as repairs by the reconciliation.

Unarchiving is a write to Xero, made exactly once like every other (ARCHITECTURE.md, "Writing to
Xero"): the intent (`unarchive_key`, a deterministic Idempotency-Key) is committed first; the call
goes outside any transaction; after an uncertain outcome the contact is read before anything is
sent again. Relinking writes nothing to Xero: it reads the chosen contact, checks it can take
invoices and is nobody else's, and links the customer to it as Xero holds it.

Either way the customer's held invoices are queued for a push at once. Finance and Admin only (the
views' `xero.sync` rule); each action is audited.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from bms.core.audit import audit_record
from bms.core.errors import DomainError
from bms.jobs.models import Job
from bms.jobs.services import job_enqueue
from bms.preferences.selectors import xero_is_active
from bms.users.models import User
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.errors import AuthError, UncertainError, ValidationError, XeroError
from bms.xero.client.schemas import Contact
from bms.xero.models import ContactLink, LinkStatus
from bms.xero.selectors import invoices_due_for_push
from bms.xero.sync.tenant_client import accounting_client


def _client(link: ContactLink) -> XeroAccountingClient:
    if not xero_is_active():
        raise DomainError("The Xero package is not active, so nothing is sent to Xero.")
    try:
        return accounting_client(link.tenant)
    except XeroError as exc:
        raise DomainError(exc.message) from None


def _unarchive_key(link: ContactLink) -> str:
    return f"bms-contact-unarchive-{link.pk}-e{link.unarchive_epoch}-{link.tenant.xero_tenant_id.replace('-', '')[:12]}"


def contact_unarchive(*, link: ContactLink, actor: User | None) -> ContactLink:
    """Unarchive the linked contact in Xero (ContactStatus ACTIVE), then send the held invoices."""
    with transaction.atomic():  # 1. the intent, committed before the call
        row = ContactLink.objects.select_for_update().select_related("tenant", "customer").get(pk=link.pk)
        if row.xero_merged_to_id or row.xero_contact_status != "ARCHIVED" or not row.xero_id:
            raise DomainError(f"Xero does not show customer {row.customer.code}'s contact archived (a merged or "
                              "GDPR-request contact cannot be unarchived: relink the customer instead).")
        resuming = bool(row.unarchive_key)
        if not resuming:
            row.unarchive_epoch += 1
            row.unarchive_key = _unarchive_key(row)
            row.save(update_fields=["unarchive_epoch", "unarchive_key", "updated_at"])
    with _client(row) as client:
        if resuming and _is_active_in_xero(client, row):  # an earlier answer was lost: it landed
            return _unarchived(row, actor, looked_up=True)
        try:  # 2. the call, outside any transaction
            client.update_contact(row.xero_id or "", Contact(contact_id=row.xero_id, contact_status="ACTIVE"),
                                  idempotency_key=row.unarchive_key)
        except UncertainError:
            if _is_active_in_xero(client, row):
                return _unarchived(row, actor, looked_up=True)
            raise DomainError("Xero did not answer and does not show the contact active yet. Press Unarchive "
                              "again: BMS checks Xero before sending anything.") from None
        except ValidationError as exc:
            # Xero holds it otherwise than BMS last read (e.g. a GDPR request since): keep what it holds,
            # so the panel offers what can still be done.
            contact = _contact_or_none(client, row)
            ContactLink.objects.filter(pk=row.pk).update(unarchive_key="", **(
                {"xero_contact_status": contact.contact_status, "xero_contact_read_at": timezone.now()}
                if contact is not None and contact.contact_status else {}))
            raise DomainError(f"Xero refused to unarchive the contact: {exc.message}") from None
        except AuthError as exc:  # the intent stays: the next press reads the contact first
            # The refusal is already the connection's incident (the attempt recorder): banner, e-mail.
            raise DomainError(f"Xero refused the connection for {row.tenant.name} ({exc.message}): fix it as the "
                              "banner says (Authenticate with Xero), then Unarchive again.") from None
        except XeroError as exc:
            raise DomainError(f"Xero could not be reached ({exc.message}); try again shortly.") from None
    return _unarchived(row, actor, looked_up=False)


def _contact_or_none(client: XeroAccountingClient, link: ContactLink) -> Contact | None:
    try:
        return client.get_contact(link.xero_id or "")
    except XeroError:
        return None


def _is_active_in_xero(client: XeroAccountingClient, link: ContactLink) -> bool:
    contact = _contact_or_none(client, link)
    return contact is not None and contact.contact_status == "ACTIVE"


def _unarchived(link: ContactLink, actor: User | None, *, looked_up: bool) -> ContactLink:
    with transaction.atomic():  # 3. the outcome, with its audit row
        ContactLink.objects.filter(pk=link.pk).update(
            xero_contact_status="ACTIVE", xero_contact_read_at=timezone.now(), unarchive_key="",
            updated_at=timezone.now())
        audit_record(actor=actor, action="xero.contact_unarchived", target=f"customer {link.customer.code}",
                     before={"xero_contact_status": "ARCHIVED"},
                     after={"xero_contact_status": "ACTIVE", "organisation": link.tenant.name,
                            "xero_id": link.xero_id, "confirmed_by_lookup": looked_up})
        link.refresh_from_db()
        held_invoices_push(link=link, actor=actor)
    return link


def contact_relink(*, link: ContactLink, xero_contact_id: str, actor: User | None) -> ContactLink:
    """Link the customer to another Xero contact, chosen by a person (nothing is written to Xero)."""
    link = ContactLink.objects.select_related("tenant", "customer").get(pk=link.pk)
    with _client(link) as client:
        try:
            contact = client.get_contact(xero_contact_id)
        except XeroError as exc:
            raise DomainError(f"Xero could not be read ({exc.message}); try again shortly.") from None
    if contact is None or not contact.contact_id:
        raise DomainError("Xero has no such contact.")
    if contact.merged_to_contact_id or contact.contact_status != "ACTIVE":
        raise DomainError(f"“{contact.name}” is {'merged' if contact.merged_to_contact_id else 'not active'} in "
                          "Xero and cannot take invoices: choose an active contact.")
    before = {"xero_id": link.xero_id, "xero_contact_status": link.xero_contact_status,
              "xero_merged_to_id": link.xero_merged_to_id}
    try:
        with transaction.atomic():
            ContactLink.objects.filter(pk=link.pk).update(
                xero_id=contact.contact_id, status=LinkStatus.SYNCED, xero_contact_status="ACTIVE",
                xero_merged_to_id="", xero_contact_read_at=timezone.now(), unarchive_key="", last_error="",
                error_cause="", key_epoch=link.key_epoch + 1, last_pushed_at=timezone.now(),
                updated_at=timezone.now())
            audit_record(actor=actor, action="xero.contact_relinked", target=f"customer {link.customer.code}",
                         before=before, after={"xero_id": contact.contact_id, "name": contact.name,
                                               "organisation": link.tenant.name})
            link.refresh_from_db()
            held_invoices_push(link=link, actor=actor)
    except IntegrityError:
        other = ContactLink.objects.filter(tenant=link.tenant, xero_id=contact.contact_id).select_related(
            "customer").first()
        who = f"customer {other.customer.code} ({other.customer.name})" if other else "another customer"
        raise DomainError(f"“{contact.name}” is already linked to {who}: two customers cannot share one Xero "
                          "contact.") from None
    return link


def xero_contacts_search(*, link: ContactLink, term: str) -> list[Contact]:
    """Active Xero contacts matching `term` (name, contact code, email…), first page of Xero's answer."""
    term = term.strip()
    if not term:
        return []
    with _client(link) as client:
        try:
            return client.get_contacts(search_term=term[:100], page=1).items
        except XeroError as exc:
            raise DomainError(f"Xero could not be searched ({exc.message}); try again shortly.") from None


def held_invoices_push(*, link: ContactLink, actor: User | None) -> Job | None:
    """Queue the push of this customer's invoices that the tenant does not hold as they are."""
    invoice_ids = list(invoices_due_for_push(link.tenant, include_failed=True).filter(
        customer_id=link.customer_id).values_list("pk", flat=True))
    if not invoice_ids:
        return None
    return job_enqueue(kind="xero.invoices.push", params={"tenant_id": link.tenant_id, "invoice_ids": invoice_ids},
                       description=f"Push customer {link.customer.code}'s held invoices to {link.tenant.name}",
                       requested_by=actor)
