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

    class Meta:
        constraints = SyncLink.unique_constraints("credit_note", "credit_note_link")
