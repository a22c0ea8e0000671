"""Credit notes: money owed back to a customer (a return, a short shipment, a price correction).

A credit note mirrors an invoice — same lines, totals and rounding, same lifecycle — and carries
what is left of it to use: `remaining_credit` falls as it is allocated to invoices or refunded in
cash and rises again when one of those is reversed. Every change goes through
billing/services/credit_notes.py; the constraints below hold the invariants even against a bug there.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from bms.core.money import ZERO, LineAmountType


class CreditNoteStatus(models.TextChoices):
    # Approved = released: eligible for Xero, like an approved invoice.
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Released"
    PROCESSED = "processed", "Processed"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class CreditSource(models.TextChoices):
    BMS = "bms", "Made in BMS"
    XERO = "xero", "Made in Xero"


class CreditNote(models.Model):
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="credit_notes")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="credit_notes")
    # Null only for a credit note made in Xero: it keeps Xero's number (xero_number) and takes none of ours.
    number = models.PositiveIntegerField(null=True, blank=True,
                                         help_text="Unique per entity; shown with the entity's credit note prefix.")
    invoice = models.ForeignKey("billing.Invoice", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="credit_notes", help_text="The invoice it credits; empty when standalone.")
    reference = models.CharField(max_length=255, blank=True, default="")
    issued_on = models.DateField()
    currency = models.CharField(max_length=3)
    line_amount_type = models.CharField(
        max_length=16, choices=LineAmountType.choices, default=LineAmountType.EXCLUSIVE
    )
    status = models.CharField(max_length=16, choices=CreditNoteStatus.choices, default=CreditNoteStatus.DRAFT)
    subtotal_amount = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    tax_amount = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    total_amount = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    remaining_credit = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO,
                                           help_text="What is not yet allocated to invoices or refunded.")
    # Bumped by every change after release, so a re-push can tell a change from a retry.
    revision = models.PositiveIntegerField(default=1)
    source = models.CharField(max_length=8, choices=CreditSource.choices, default=CreditSource.BMS)
    xero_number = models.CharField(max_length=255, blank=True, default="",
                                   help_text="Xero's number, for a credit note made in Xero.")
    approved_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True, help_text="When the accounting system confirmed it.")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["status", "entity"], name="credit_note_status_entity"),
            # The Credit Notes screen's keyset pages (-issued_on, -id), all or one status, entity,
            # customer or source.
            models.Index(fields=["issued_on", "id"], name="credit_note_list"),
            models.Index(fields=["status", "issued_on", "id"], name="credit_note_list_status"),
            models.Index(fields=["entity", "issued_on", "id"], name="credit_note_list_entity"),
            models.Index(fields=["customer", "issued_on", "id"], name="credit_note_list_customer"),
            models.Index(fields=["source", "issued_on", "id"], name="credit_note_list_source"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["entity", "number"], name="credit_note_number_unique_per_entity"),
            models.CheckConstraint(condition=Q(number__isnull=True) | Q(number__gte=1),
                                   name="credit_note_number_positive"),
            models.CheckConstraint(condition=Q(source="xero") | Q(number__isnull=False),
                                   name="credit_note_bms_has_number"),
            models.CheckConstraint(condition=Q(source="bms") | ~Q(xero_number=""),
                                   name="credit_note_xero_has_xero_number"),
            models.CheckConstraint(condition=Q(status__in=CreditNoteStatus.values), name="credit_note_status_known"),
            models.CheckConstraint(condition=Q(source__in=CreditSource.values), name="credit_note_source_known"),
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="credit_note_total_non_negative"),
            models.CheckConstraint(condition=Q(remaining_credit__gte=0), name="credit_note_remaining_non_negative"),
            models.CheckConstraint(condition=Q(remaining_credit__lte=F("total_amount")),
                                   name="credit_note_remaining_within_total"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "cancelled"]) | Q(approved_at__isnull=False),
                name="credit_note_released_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(remaining_credit=0, completed_at__isnull=False),
                name="credit_note_completed_is_used",
            ),
            models.CheckConstraint(condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                                   name="credit_note_cancelled_has_time"),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        if self.number is None:
            return self.xero_number
        return f"{self.entity.credit_note_number_prefix}{self.number:06d}"

    @property
    def is_released(self) -> bool:
        return self.status in {CreditNoteStatus.APPROVED, CreditNoteStatus.PROCESSED, CreditNoteStatus.COMPLETED}

    @property
    def is_from_xero(self) -> bool:
        return self.source == CreditSource.XERO


class CreditNoteLine(models.Model):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    invoice_line = models.ForeignKey("billing.InvoiceLine", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="credit_note_lines", help_text="The invoice line it returns.")
    product = models.ForeignKey("stock.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=4000)
    quantity = models.DecimalField(max_digits=14, decimal_places=4)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")
    tax_rate = models.ForeignKey("ledger.TaxRate", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    line_amount = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    tax_amount = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="credit_note_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="credit_note_line_price_non_negative"),
            models.CheckConstraint(condition=~Q(description=""), name="credit_note_line_description_present"),
        ]


class CreditAllocation(models.Model):
    """Part of a credit note applied to an invoice, lowering what the invoice owes. A removed
    allocation is reversed (reversed_at set), never deleted, so the history reads true."""

    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="credit_allocations")
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    allocated_on = models.DateField()
    source = models.CharField(max_length=8, choices=CreditSource.choices, default=CreditSource.BMS)
    reversed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["allocated_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_allocation_amount_positive"),
            models.CheckConstraint(condition=Q(source__in=CreditSource.values), name="credit_allocation_source_known"),
        ]


class Refund(models.Model):
    """Credit paid back to the customer in cash. Reversed, never deleted, like an allocation."""

    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    paid_on = models.DateField()
    reference = models.CharField(max_length=255, blank=True, default="")
    source = models.CharField(max_length=8, choices=CreditSource.choices, default=CreditSource.BMS)
    reversed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(condition=Q(source__in=CreditSource.values), name="refund_source_known"),
        ]
