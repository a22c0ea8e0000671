"""The two repairs for an invoice whose totals in Xero differ from BMS's (LinkStatus.DIFFERS, set
after the write, services/invoice_totals.py); the reconciliation and the invoice's Xero panel offer
them, each audited:

- re-send after the fix: once the cause is fixed in BMS or on Connect (usually the tax type of a
  line), BMS's invoice is sent again over Xero's copy — the same Xero invoice, by its InvoiceID
  and LineItemIDs, under a fresh Idempotency-Key — and its totals are compared again;
- cancel in BMS: the invoice is cancelled, which queues its void in Xero at once.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from bms.billing.models import Invoice
from bms.billing.services import invoice_cancel
from bms.core.audit import audit_record
from bms.core.errors import DomainError
from bms.jobs.models import Job
from bms.users.models import User
from bms.xero.models import InvoiceLink, LinkStatus
from bms.xero.services.actions import invoice_sync_request


def _differing(link: InvoiceLink) -> InvoiceLink:
    link = InvoiceLink.objects.select_related("invoice__entity", "tenant").get(pk=link.pk)
    if link.status != LinkStatus.DIFFERS:
        raise DomainError(f"Invoice {link.invoice.display_number} agrees with Xero: there is nothing to repair.")
    return link


def invoice_differs_resend(*, link: InvoiceLink, actor: User) -> Job:
    """Send the invoice again over Xero's copy, now that the cause is fixed (a background job)."""
    with transaction.atomic():
        link = _differing(link)
        # A fresh key: Xero must not answer from what it cached for the write that differed.
        InvoiceLink.objects.filter(pk=link.pk).update(status=LinkStatus.PENDING, revision_pushed=0,
                                                      key_epoch=F("key_epoch") + 1)
        audit_record(actor=actor, action="xero.invoice_differs_resent", target=f"invoice {link.invoice.display_number}",
                     before={"difference": link.last_error}, after={"organisation": link.tenant.name})
        return invoice_sync_request(invoice=link.invoice, user=actor)


def invoice_differs_cancel(*, link: InvoiceLink, actor: User) -> Invoice:
    """Cancel in BMS; its void in Xero is queued at once (refused, like any cancel, while payments stand)."""
    with transaction.atomic():
        link = _differing(link)
        cancelled = invoice_cancel(invoice=link.invoice, cancelled_by=actor)
        audit_record(actor=actor, action="xero.invoice_differs_cancelled",
                     target=f"invoice {link.invoice.display_number}",
                     before={"difference": link.last_error}, after={"status": cancelled.status})
    return cancelled
