from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "bms.core"
    label = "core"
    verbose_name = "BMS core"
