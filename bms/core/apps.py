from django.apps import AppConfig
from django.urls import register_converter

from bms.core.converters import IdConverter

# Registered as the app registry loads, before any urls.py is read.
register_converter(IdConverter, "id")


class CoreConfig(AppConfig):
    name = "bms.core"
    label = "core"
    verbose_name = "BMS core"
