from django.conf import settings
from django.db import models
from django.db.models import Q

from bms.core.money import ZERO, LineAmountType


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    PROCESSED = "processed", "Processed"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Invoice(models.Model):
    """A sales invoice. Approved = released: eligible for Xero. All changes go through
    billing/services.py, which keeps totals, balance and status consistent."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="invoices")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="invoices")
    number = models.PositiveIntegerField(help_text="Unique per entity; shown with the entity's prefix.")
    reference = models.CharField(max_length=255, blank=True, default="")
    issued_on = models.DateField()
    due_on = models.DateField(null=True, blank=True, help_text="Computed from the customer's terms on approval.")
    currency = models.CharField(max_length=3)
    line_amount_type = models.CharField(
        max_length=16, choices=LineAmountType.choices, default=LineAmountType.EXCLUSIVE
    )
    status = models.CharField(max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    subtotal_amount = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    tax_amount = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    total_amount = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    balance_amount = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    # Bumped by every change after approval, so a re-push can tell a correction from a retry.
    revision = models.PositiveIntegerField(default=1)
    approved_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True, help_text="When the accounting system confirmed it.")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who released or cancelled it: both are decisions a finance team is asked about later.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_on", "-number"]
        indexes = [
            models.Index(fields=["status", "entity"], name="invoice_status_entity"),
            # The lists' keyset pages: each filter's column, then the list's order ending with the id.
            models.Index(fields=["issued_on", "number", "id"], name="invoice_list"),
            models.Index(fields=["status", "issued_on", "number", "id"], name="invoice_list_status"),
            models.Index(fields=["entity", "issued_on", "number", "id"], name="invoice_list_entity"),
            models.Index(fields=["customer", "issued_on", "number", "id"], name="invoice_list_customer"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["entity", "number"], name="invoice_number_unique_per_entity"),
            models.CheckConstraint(condition=Q(number__gte=1), name="invoice_number_positive"),
            models.CheckConstraint(condition=Q(status__in=InvoiceStatus.values), name="invoice_status_known"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "cancelled"]) | Q(due_on__isnull=False, approved_at__isnull=False),
                name="invoice_released_has_due_date",
            ),
            models.CheckConstraint(condition=Q(balance_amount__gte=0), name="invoice_balance_non_negative"),
            models.CheckConstraint(condition=Q(due_on__isnull=True) | Q(due_on__gte=models.F("issued_on")),
                                   name="invoice_due_not_before_issue"),
            # Payments and credits only ever lower what is owed.
            models.CheckConstraint(condition=Q(balance_amount__lte=models.F("total_amount")),
                                   name="invoice_balance_within_total"),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(balance_amount=0, completed_at__isnull=False),
                name="invoice_completed_is_paid",
            ),
            models.CheckConstraint(condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                                   name="invoice_cancelled_has_time"),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"{self.entity.prefix}{self.number:06d}"

    @property
    def is_released(self) -> bool:
        return self.status in {InvoiceStatus.APPROVED, InvoiceStatus.PROCESSED, InvoiceStatus.COMPLETED}


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
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
            models.CheckConstraint(condition=Q(quantity__gt=0), name="invoice_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="invoice_line_price_non_negative"),
            models.CheckConstraint(condition=~Q(description=""), name="invoice_line_description_present"),
        ]


class PaymentSource(models.TextChoices):
    MANUAL = "manual", "Entered in BMS"
    XERO = "xero", "Pulled from Xero"


class Payment(models.Model):
    """Money received against an invoice. A payment removed at its source is reversed
    (reversed_at set), never deleted, so the history stays readable."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    paid_on = models.DateField()
    reference = models.CharField(max_length=255, blank=True, default="")
    source = models.CharField(max_length=16, choices=PaymentSource.choices, default=PaymentSource.MANUAL)
    account_code = models.CharField(
        max_length=20, blank=True, default="",
        help_text="The account the money went into, as the accounting system says (e.g. Xero's bank account code).",
    )
    reversed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]


# Credit notes live in their own module; imported here so Django registers them with billing's models.
from bms.billing.models_credit import (  # noqa: E402
    CreditAllocation,
    CreditNote,
    CreditNoteLine,
    CreditNoteStatus,
    CreditSource,
    Refund,
)

__all__ = [
    "CreditAllocation", "CreditNote", "CreditNoteLine", "CreditNoteStatus", "CreditSource", "Invoice", "InvoiceLine",
    "InvoiceStatus", "Payment", "PaymentSource", "Refund",
]
