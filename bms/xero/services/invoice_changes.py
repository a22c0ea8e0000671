"""Invoice changes between BMS and Xero that someone acts on (PRODUCT.md §3.5, §3.8).

- Cancelled in BMS → its void in Xero is queued at once (not at the next scheduled push); the
  panel says "Void pending" until Xero's answer confirms it.
- Voided or deleted in Xero while BMS still has it open → the panel offers **Cancel in BMS**
  (cancel the BMS invoice to match; Xero already holds it voided, so nothing is sent) or **Accept**
  (record that the difference is known and kept). There is no re-send: Xero never un-voids an
  invoice and BMS never edits what Xero holds (§3.5); to bill again, raise a new invoice in BMS.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from bms.billing.models import Invoice, InvoiceStatus
from bms.billing.services import invoice_cancel
from bms.core.audit import audit_record
from bms.core.errors import DomainError
from bms.jobs.models import Job
from bms.jobs.services import job_enqueue
from bms.preferences.selectors import xero_is_active
from bms.users.models import User
from bms.xero.models import InvoiceLink, LinkStatus
from bms.xero.selectors import invoices_due_for_push
from bms.xero.services.pull_apply import GONE_IN_XERO


def invoice_void_on_cancel(*, invoice_id: int) -> list[Job]:
    """Queue the void of a cancelled invoice in every organisation that holds it (called after the
    cancel committed). One it no longer needs to reach (already voided there) queues nothing."""
    if not xero_is_active():
        return []
    links = InvoiceLink.objects.filter(invoice_id=invoice_id, xero_id__isnull=False).select_related(
        "tenant", "invoice")
    jobs = []
    for link in links:
        if not invoices_due_for_push(link.tenant, include_failed=True).filter(pk=invoice_id).exists():
            continue
        jobs.append(job_enqueue(
            kind="xero.invoices.push", description=f"Void invoice {link.invoice.display_number} in {link.tenant.name}",
            params={"tenant_id": link.tenant_id, "invoice_ids": [invoice_id]}))
    return jobs


def _on_cancelled(sender: Any, *, invoice_id: int, **_: Any) -> None:
    invoice_void_on_cancel(invoice_id=invoice_id)


def connect_signals() -> None:
    from bms.billing.signals import invoice_cancelled

    invoice_cancelled.connect(_on_cancelled, dispatch_uid="xero.void_on_cancel")


def _gone_link(invoice: Invoice, link_id: int) -> InvoiceLink:
    link = InvoiceLink.objects.select_related("tenant").filter(pk=link_id, invoice=invoice).first()
    if link is None or link.xero_status not in GONE_IN_XERO:
        raise DomainError(f"Xero does not show invoice {invoice.display_number} voided or deleted (pull payments "
                          "again to refresh what Xero holds).")
    return link


def invoice_cancel_to_match_xero(*, invoice: Invoice, link_id: int, user: User) -> Invoice:
    """Cancel in BMS: the invoice was voided (or deleted) in Xero; cancel it in BMS to match. Refused
    like any cancel while payments stand against it."""
    with transaction.atomic():
        link = _gone_link(invoice, link_id)
        if invoice.status == InvoiceStatus.CANCELLED:
            raise DomainError(f"Invoice {invoice.display_number} is already cancelled in BMS.")
        cancelled = invoice_cancel(invoice=invoice, cancelled_by=user)
        # Xero already holds it voided: nothing to send, so the link is up to date with this revision.
        InvoiceLink.objects.filter(pk=link.pk).update(status=LinkStatus.SYNCED, revision_pushed=cancelled.revision,
                                                      last_error="", error_cause="")
        audit_record(actor=user, action="xero.invoice_cancelled_to_match",
                     target=f"invoice {invoice.display_number}",
                     before={"status": invoice.status, "xero_status": link.xero_status},
                     after={"status": cancelled.status, "organisation": link.tenant.name})
    return cancelled


def invoice_accept_xero_status(*, invoice: Invoice, link_id: int, user: User) -> InvoiceLink:
    """Accept: the difference is known and kept as it is (the panel stops asking)."""
    with transaction.atomic():
        link = _gone_link(invoice, link_id)
        InvoiceLink.objects.filter(pk=link.pk).update(xero_status_accepted=link.xero_status,
                                                      updated_at=timezone.now())
        audit_record(actor=user, action="xero.invoice_difference_accepted",
                     target=f"invoice {invoice.display_number}",
                     after={"xero_status": link.xero_status, "bms_status": invoice.status,
                            "organisation": link.tenant.name})
        link.refresh_from_db()
    return link
