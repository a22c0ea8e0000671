from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "bms.stock"
    label = "stock"
    verbose_name = "Stock"
