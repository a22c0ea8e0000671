from django.apps import AppConfig


class XeroConfig(AppConfig):
    name = "bms.xero"
    label = "xero"
    verbose_name = "Xero integration"
