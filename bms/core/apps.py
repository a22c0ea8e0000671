from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.urls import register_converter

from bms.core.converters import IdConverter

# Registered as the app registry loads, before any urls.py is read.
register_converter(IdConverter, "id")


class CoreConfig(AppConfig):
    name = "bms.core"
    label = "core"
    verbose_name = "BMS core"

    def ready(self) -> None:
        from bms.core.search import ensure_search_indexes

        # After every migrate: the search indexes are there (a table remade by a migration on
        # SQLite loses its triggers; this puts them back and rebuilds that index).
        post_migrate.connect(ensure_search_indexes, sender=self, dispatch_uid="bms.core.search")
