"""Credit notes' sync state in Xero: one link row per (credit note, tenant), like an invoice's
(models.InvoiceLink), through the same push engine (sync/push.py)."""

from django.db import models

from bms.xero.models_links import SyncLink


class CreditNoteLink(SyncLink):
    credit_note = models.ForeignKey("billing.CreditNote", on_delete=models.CASCADE, related_name="xero_links")
    xero_number = models.CharField(max_length=255, blank=True, default="")
    # BMS credit note line id → Xero LineItemID, so an update keeps Xero's lines (xero-notes trap 5).
    line_item_ids = models.JSONField(default=dict, blank=True)
    # What Xero holds, as the latest write (or read) said: the panel and the reconciliation compare these.
    xero_status = models.CharField(max_length=16, blank=True, default="")
    xero_total = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    xero_remaining_credit = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    # Xero's UpdatedDateUTC of the version the pull last applied: an older or equal one (an
    # overlapping pull's) is never applied again over it.
    xero_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = SyncLink.unique_constraints("credit_note", "credit_note_link")


class CreditAllocationLink(SyncLink):
    """A BMS allocation of credit to an invoice, sent as PUT /CreditNotes/{id}/Allocations: xero_id is
    Xero's AllocationID. Xero's allocation carries no reference of ours, so one whose answer was lost
    is recognised in the credit note's own Allocations (invoice, amount, date) before any re-send.
    Reversed in BMS, it is removed in Xero (DELETE …/Allocations/{AllocationID}): `removed_at` says
    when Xero confirmed it gone."""

    allocation = models.ForeignKey("billing.CreditAllocation", on_delete=models.CASCADE, related_name="xero_links")
    removed_at = models.DateTimeField(null=True, blank=True)
    # The AllocationIDs the credit note held in Xero when this one was last sent (saved with the intent):
    # none of them is ours, so a same-day allocation of the same amount made in Xero by hand before
    # the send is never taken for ours after a lost answer.
    allocations_before = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = SyncLink.unique_constraints("allocation", "credit_allocation_link")


class RefundSendLink(SyncLink):
    """A BMS refund entered before its credit note reached Xero, on its way there as a Xero payment on
    the credit note (services/refunds_push.py), as a payment entered before connecting goes
    (models.PaymentSendLink). Once Xero holds it, a RefundLink ties the two, so the credit notes pull
    counts it once."""

    refund = models.ForeignKey("billing.Refund", on_delete=models.CASCADE, related_name="xero_send_links")

    class Meta:
        constraints = SyncLink.unique_constraints("refund", "refund_send_link")


class RefundLink(models.Model):
    """One refund of credit Xero holds (a Payment of type ARCREDITPAYMENT on a credit note): pulled into
    BMS, or sent from BMS (RefundSendLink). Unique by Xero's PaymentID per tenant, so overlapping pulls,
    or a pull and the push that sent it, record it once."""

    tenant = models.ForeignKey("xero.XeroTenant", on_delete=models.PROTECT, related_name="+")
    xero_payment_id = models.CharField(max_length=64)
    refund = models.ForeignKey("billing.Refund", on_delete=models.CASCADE, related_name="xero_links")
    is_deleted_in_xero = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "xero_payment_id"], name="refund_link_xero_id_unique")]
