"""The scheduled push's contacts step: customers edited in BMS since their contact was last sent
go out again, before the invoices (PRODUCT.md §3.4). Only those: a customer's version is its edit
time to the microsecond (services/contacts.py), compared with the version its link last sent."""

from __future__ import annotations

from bms.core.text import counted
from bms.jobs.models import Job, JobStatus
from bms.jobs.services import job_enqueue
from bms.xero.models import ContactLink, LinkStatus, XeroTenant


def customers_edited_since_push(tenant: XeroTenant) -> list[int]:
    """Customers Xero holds (a synced link in this organisation) whose BMS edit is newer than what
    was sent. Compared in Python: the µs version is not portable SQL, and one row per contact is
    cheap next to the calls it saves."""
    rows = (ContactLink.objects.filter(tenant=tenant, status=LinkStatus.SYNCED, customer__is_active=True)
            .values_list("customer_id", "customer__updated_at", "revision_pushed"))
    return sorted(customer_id for customer_id, updated_at, pushed in rows
                  if int(updated_at.timestamp() * 1_000_000) > pushed)


def queue_edited_customers(tenant: XeroTenant) -> int:
    """Queue one contacts job for the edited customers (none while one is already waiting)."""
    waiting = Job.objects.filter(kind="xero.customers.sync", status=JobStatus.QUEUED,
                                 params__tenant_id=tenant.pk).exists()
    edited = [] if waiting else customers_edited_since_push(tenant)
    if edited:
        job_enqueue(kind="xero.customers.sync",
                    description=f"Send {counted(len(edited), 'edited customer')} to {tenant.name}",
                    params={"tenant_id": tenant.pk, "customer_ids": edited})
    return len(edited)
