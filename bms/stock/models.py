from decimal import Decimal

from django.db import models
from django.db.models import Q


class Product(models.Model):
    """A stocked product. Its own accounts, when set, override the defaults in
    Admin → Accounts → Settings."""

    sku = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=255)
    unit_cost = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    unit_price = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    tax_rate = models.ForeignKey("ledger.TaxRate", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sales_account = models.ForeignKey(
        "ledger.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cost_account = models.ForeignKey(
        "ledger.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stock_account = models.ForeignKey(
        "ledger.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0) & Q(unit_price__gte=0), name="product_amounts_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} – {self.name}"


class DispatchStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ALLOCATED = "allocated", "Allocated"
    SHIPPED = "shipped", "Shipped"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Dispatch(models.Model):
    """Goods leaving a warehouse for a customer. Its lines count on the trading day (the
    entity's local date) of `shipped_at`."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="dispatches")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="dispatches")
    reference = models.CharField(max_length=50)
    status = models.CharField(max_length=16, choices=DispatchStatus.choices, default=DispatchStatus.DRAFT)
    shipped_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-shipped_at", "-id"]
        verbose_name_plural = "dispatches"
        indexes = [
            models.Index(fields=["entity", "shipped_at"], name="dispatch_entity_shipped"),
            # The nightly journal looks for dispatches changed during the day it builds (corrections).
            models.Index(fields=["entity", "updated_at"], name="dispatch_entity_updated"),
            # The lists' keyset pages: each filter's column, then the list's order ending with the id.
            models.Index(fields=["shipped_at", "id"], name="dispatch_list"),
            models.Index(fields=["status", "shipped_at", "id"], name="dispatch_list_status"),
            models.Index(fields=["entity", "shipped_at", "id"], name="dispatch_list_entity"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["entity", "reference"], name="dispatch_reference_unique_per_entity"),
            models.CheckConstraint(condition=Q(status__in=DispatchStatus.values), name="dispatch_status_known"),
            models.CheckConstraint(
                condition=~Q(status__in=["shipped", "completed"]) | Q(shipped_at__isnull=False),
                name="dispatch_shipped_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class DispatchLine(models.Model):
    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="dispatch_lines")
    quantity = models.DecimalField(max_digits=14, decimal_places=4)
    # Captured from the product when the dispatch ships; the journal uses this, not today's cost.
    unit_cost = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="dispatch_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_cost__isnull=True) | Q(unit_cost__gte=0), name="dispatch_line_cost_non_negative"
            ),
        ]
