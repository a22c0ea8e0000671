"""Customers and their payment terms: below billing and stock, which both use them.

The two models moved here from billing and kept their tables (`db_table`), so an existing database
upgraded without copying a row (migrations 0001 here and billing 0006).
"""

from django.db import models
from django.db.models import Q


class PaymentTermType(models.TextChoices):
    # Xero's PaymentTermType values, so terms push to Xero unchanged.
    DAYS_AFTER_INVOICE_DATE = "DAYSAFTERBILLDATE", "day(s) after the invoice date"
    DAYS_AFTER_INVOICE_MONTH = "DAYSAFTERBILLMONTH", "day(s) after the end of the invoice month"
    OF_CURRENT_MONTH = "OFCURRENTMONTH", "of the current month"
    OF_FOLLOWING_MONTH = "OFFOLLOWINGMONTH", "of the following month"


class PaymentTerms(models.Model):
    """When an invoice falls due, e.g. "30 day(s) after the invoice date", "20 of the following month".

    "End of the current month" is day 31 of the current month: short months clamp to their last day.
    """

    name = models.CharField(max_length=100, unique=True)
    term_type = models.CharField(max_length=32, choices=PaymentTermType.choices)
    day = models.PositiveSmallIntegerField()

    class Meta:
        # The table billing created: the model moved here, its rows stayed where they were.
        db_table = "billing_paymentterms"
        ordering = ["name"]
        verbose_name_plural = "payment terms"
        constraints = [
            models.CheckConstraint(condition=Q(term_type__in=PaymentTermType.values), name="payment_terms_type_known"),
            models.CheckConstraint(
                condition=Q(term_type__in=["DAYSAFTERBILLDATE", "DAYSAFTERBILLMONTH"], day__lte=365)
                | Q(term_type__in=["OFCURRENTMONTH", "OFFOLLOWINGMONTH"], day__gte=1, day__lte=31),
                name="payment_terms_day_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """A customer: invoiced by billing, shipped to by stock; `code` is its Xero ContactNumber."""

    code = models.CharField(
        max_length=50, unique=True, error_messages={"unique": "This customer code is already used."}
    )
    name = models.CharField(max_length=255)
    email = models.EmailField(max_length=255, blank=True, default="")
    phone = models.CharField(max_length=50, blank=True, default="")
    postal_address_line1 = models.CharField(max_length=500, blank=True, default="")
    postal_address_line2 = models.CharField(max_length=500, blank=True, default="")
    postal_city = models.CharField(max_length=255, blank=True, default="")
    postal_region = models.CharField(max_length=255, blank=True, default="")
    postal_postcode = models.CharField(max_length=50, blank=True, default="")
    postal_country = models.CharField(max_length=50, blank=True, default="")
    street_address_line1 = models.CharField(max_length=500, blank=True, default="")
    street_address_line2 = models.CharField(max_length=500, blank=True, default="")
    street_city = models.CharField(max_length=255, blank=True, default="")
    street_region = models.CharField(max_length=255, blank=True, default="")
    street_postcode = models.CharField(max_length=50, blank=True, default="")
    street_country = models.CharField(max_length=50, blank=True, default="")
    tax_number = models.CharField(max_length=50, blank=True, default="")
    payment_terms = models.ForeignKey(
        PaymentTerms, null=True, blank=True, on_delete=models.PROTECT, related_name="customers"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "billing_customer"  # as for PaymentTerms
        ordering = ["name"]
        indexes = [models.Index(fields=["name", "code", "id"], name="customer_list")]  # the list's keyset pages
        constraints = [
            models.CheckConstraint(condition=~Q(code="") & ~Q(name=""), name="customer_code_and_name_present"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
