from django.apps import AppConfig


class CogsConfig(AppConfig):
    name = "bms.cogs"
    label = "cogs"
    verbose_name = "Cost of sales"
