from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "bms.billing"
    label = "billing"
    verbose_name = "Billing"
