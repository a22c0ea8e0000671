from datetime import time

from django.db import models


class IntegrationPackage(models.TextChoices):
    XERO = "xero", "Xero"
    QUICKBOOKS = "quickbooks", "QuickBooks"
    BMS = "bms", "BMS debtors ledger"
    NONE = "none", "None"


class GeneralSettings(models.Model):
    """The instance's settings: exactly one row (pk 1), read with `general_settings()`."""

    default_currency = models.CharField(max_length=3, default="AUD")
    default_time_zone = models.CharField(max_length=64, default="Australia/Sydney")
    # Only the implementation partner (a superuser) may change this; see preferences/services.py.
    integration_package = models.CharField(
        max_length=16, choices=IntegrationPackage.choices, default=IntegrationPackage.NONE
    )
    invoice_push_interval_minutes = models.PositiveIntegerField(default=15)
    payment_pull_interval_minutes = models.PositiveIntegerField(default=60)
    journal_run_local_time = models.TimeField(default=time(1, 0))
    journal_description_prefix = models.CharField(max_length=100, default="B2B Cost of Sales Journal for")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "general settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="general_settings_single_row"),
            models.CheckConstraint(
                condition=models.Q(integration_package__in=IntegrationPackage.values),
                name="general_settings_package_known",
            ),
            models.CheckConstraint(
                condition=models.Q(invoice_push_interval_minutes__gte=1)
                & models.Q(payment_pull_interval_minutes__gte=1),
                name="general_settings_intervals_positive",
            ),
        ]

    def __str__(self) -> str:
        return "General settings"
