from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CogsConfig(AppConfig):
    name = "bms.cogs"
    label = "cogs"
    verbose_name = "Cost of sales"

    def ready(self) -> None:
        from bms.cogs.summary_index import ensure_summary_index

        post_migrate.connect(ensure_summary_index, sender=self, dispatch_uid="bms.cogs.summary_index")
