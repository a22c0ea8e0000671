from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "bms.ledger"
    label = "ledger"
    verbose_name = "Ledger"
