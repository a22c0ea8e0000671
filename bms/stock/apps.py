from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "bms.stock"
    label = "stock"
    verbose_name = "Stock"

    def ready(self):
        from bms.core.access import ALL_ROLES, access_rules_register

        access_rules_register({"stock.view": ALL_ROLES})
