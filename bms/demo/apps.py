from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "bms.demo"
    label = "demo"
    verbose_name = "Demo data and runner"
