from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "bms.customers"
    label = "customers"
    verbose_name = "Customers"
