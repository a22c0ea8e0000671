"""What the Xero buttons on BMS pages do: queue the right background job, or unlink."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from bms.billing.models import CreditNote, CreditNoteStatus, Invoice
from bms.cogs.models import CostOfSalesJournal, JournalStatus
from bms.core.audit import audit_record
from bms.core.errors import DomainError
from bms.customers.models import Customer
from bms.entities.models import Entity
from bms.jobs.models import Job, JobStatus
from bms.jobs.services import job_enqueue
from bms.preferences.selectors import xero_is_active
from bms.users.models import User
from bms.xero.models import (
    ContactLink,
    CreditAllocationLink,
    JournalLink,
    LinkStatus,
    PaymentSendLink,
    RefundSendLink,
    XeroTenant,
)
from bms.xero.selectors import entity_tenant, tenants_in_use
from bms.xero.sync.link_rows import failed_sends_make_due


def _require_active() -> None:
    if not xero_is_active():
        raise DomainError("The Xero package is not active, so nothing is sent to Xero.")


def customer_sync_request(*, customer: Customer, user: User) -> list[Job]:
    _require_active()
    tenants = tenants_in_use()
    if not tenants:
        raise DomainError("No entity is connected to Xero yet (Admin → Entities → Authenticate with Xero).")
    return [job_enqueue(kind="xero.customers.sync", description=f"Sync customer {customer.code} to {tenant.name}",
                        params={"tenant_id": tenant.pk, "customer_ids": [customer.pk]}, requested_by=user)
            for tenant in tenants]


def customers_sync_all_request(*, user: User) -> list[Job]:
    _require_active()
    with transaction.atomic():  # the jobs and their audit event together, or neither
        jobs = [job_enqueue(kind="xero.customers.sync", description=f"Sync all customers to {tenant.name}",
                            params={"tenant_id": tenant.pk}, requested_by=user) for tenant in tenants_in_use()]
        if not jobs:
            raise DomainError("No entity is connected to Xero yet (Admin → Entities → Authenticate with Xero).")
        audit_record(actor=user, action="xero.bulk_sync", target="customers",
                     after={"jobs": [j.pk for j in jobs], "organisations": [j.description for j in jobs]})
    return jobs


def customer_unlink(*, customer: Customer, user: User) -> int:
    """Delete Integration: BMS forgets the link; the Xero contact is neither deleted nor archived."""
    with transaction.atomic():
        links = list(ContactLink.objects.filter(customer=customer).select_related("tenant"))
        for link in links:
            audit_record(actor=user, action="xero.contact_unlinked", target=f"customer {customer.code}",
                         before={"tenant": link.tenant.name, "xero_id": link.xero_id})
        ContactLink.objects.filter(pk__in=[link.pk for link in links]).delete()
    return len(links)


def invoice_sync_request(*, invoice: Invoice, user: User) -> Job:
    """Sync Invoice with Xero: push this invoice (and its payments entered before connecting) now."""
    _require_active()
    if not invoice.is_released:
        raise DomainError(f"Invoice {invoice.display_number} is not approved: only released invoices go to Xero.")
    tenant = entity_tenant(invoice.entity)
    if tenant is None:
        raise DomainError(f"{invoice.entity.name} is not connected to Xero (Admin → Entities).")
    # Its payments entered before connecting that failed are sent again too, under a fresh key.
    failed_sends_make_due(PaymentSendLink, tenant_id=tenant.pk, payment__invoice=invoice)
    return job_enqueue(kind="xero.invoices.push", description=f"Push invoice {invoice.display_number} to {tenant.name}",
                       params={"tenant_id": tenant.pk, "invoice_ids": [invoice.pk]}, requested_by=user)


def credit_note_sync_request(*, credit_note: CreditNote, user: User) -> Job:
    """Sync Credit Note with Xero: push this credit note (and its allocations and refunds) now."""
    _require_active()
    number = credit_note.display_number
    if credit_note.is_from_xero:
        raise DomainError(f"Credit note {number} was made in Xero: BMS reads it from Xero and never sends it.")
    if not credit_note.is_released and credit_note.status != CreditNoteStatus.CANCELLED:
        raise DomainError(f"Credit note {number} is a draft: only released credit notes go to Xero.")
    tenant = entity_tenant(credit_note.entity)
    if tenant is None:
        raise DomainError(f"{credit_note.entity.name} is not connected to Xero (Admin → Entities).")
    # Its allocations and refunds that failed are sent again too, under a fresh key.
    failed_sends_make_due(CreditAllocationLink, tenant_id=tenant.pk, allocation__credit_note=credit_note)
    failed_sends_make_due(RefundSendLink, tenant_id=tenant.pk, refund__credit_note=credit_note)
    return job_enqueue(kind="xero.credit_notes.push", description=f"Push credit note {number} to {tenant.name}",
                       params={"tenant_id": tenant.pk, "credit_note_ids": [credit_note.pk]}, requested_by=user)


def invoices_push_all_request(*, user: User) -> list[Job]:
    _require_active()
    with transaction.atomic():
        jobs = [job_enqueue(kind="xero.invoices.push", description=f"Push released invoices to {tenant.name}",
                            params={"tenant_id": tenant.pk, "include_failed": True}, requested_by=user)
                for tenant in tenants_in_use()]
        if not jobs:
            raise DomainError("No entity is connected to Xero yet (Admin → Entities → Authenticate with Xero).")
        audit_record(actor=user, action="xero.bulk_sync", target="invoices",
                     after={"jobs": [j.pk for j in jobs], "organisations": [j.description for j in jobs]})
    return jobs


def chart_sync_request(*, tenant: XeroTenant, user: User) -> Job:
    """Sync from Xero: accounts and tax rates of one organisation, as a background job."""
    _require_active()
    with transaction.atomic():
        job = job_enqueue(kind="xero.chart.sync", description=f"Sync accounts and tax rates from {tenant.name}",
                          params={"tenant_id": tenant.pk}, requested_by=user)
        audit_record(actor=user, action="xero.bulk_sync", target="accounts and tax rates",
                     after={"jobs": [job.pk], "organisations": [tenant.name]})
    return job


PULL_KIND = "xero.payments.pull"


def payments_pull_request(*, entity: Entity, user: User) -> tuple[Job, bool]:
    """Pull payments now, for the organisation the entity posts to: (the job, True) when queued,
    (the waiting one, False) when a pull of that organisation is already queued or running — a
    second click never queues a second pull."""
    _require_active()
    tenant = entity_tenant(entity)
    if tenant is None:
        raise DomainError(f"{entity.name} is not connected to Xero (Admin → Entities).")
    with transaction.atomic():
        # A write first: it takes the tenant's row lock on PostgreSQL and the write lock on SQLite,
        # so two clicks at once run this one after the other and the second finds the first's job.
        XeroTenant.objects.filter(pk=tenant.pk).update(name=F("name"))
        waiting = (Job.objects.filter(kind=PULL_KIND, status__in=[JobStatus.QUEUED, JobStatus.WORKING],
                                      params__tenant_id=tenant.pk).order_by("pk").first())
        if waiting is not None:
            return waiting, False
        return job_enqueue(kind=PULL_KIND, description=f"Pull payments from {tenant.name}",
                           params={"tenant_id": tenant.pk}, requested_by=user), True


def journal_push_request(*, journal: CostOfSalesJournal, user: User) -> Job:
    """Push now: send this journal, a held one included (after its cause was fixed); never one Xero
    already has (a change to it goes as reversing lines in a later journal)."""
    _require_active()
    if journal.status == JournalStatus.POSTED or JournalLink.objects.filter(journal=journal,
                                                                            status=LinkStatus.SYNCED).exists():
        raise DomainError(f"Xero already has journal {journal.reference}; it is never sent again. A change to it "
                          "goes to Xero as reversing lines in a later journal.")
    tenant = entity_tenant(journal.entity)
    if tenant is None:
        raise DomainError(f"{journal.entity.name} is not connected to Xero (Admin → Entities).")
    return job_enqueue(kind="xero.journals.push", description=f"Push journal {journal.reference} to {tenant.name}",
                       params={"tenant_id": tenant.pk, "journal_ids": [journal.pk]}, requested_by=user)


def entity_check_request(*, entity: Entity, user: User) -> Job:
    """Check against Xero for this entity, as a background job (it reads Xero, which can take a while)."""
    _require_active()
    tenant = entity_tenant(entity)
    if tenant is None:
        raise DomainError(f"{entity.name} is not connected to Xero (Admin → Entities → Connect Xero Organisation).")
    return job_enqueue(kind="xero.check_against_xero", description=f"Check {entity.name} against {tenant.name}",
                       params={"entity_id": entity.pk}, requested_by=user)
