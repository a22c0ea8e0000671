from django.apps import AppConfig


class EntitiesConfig(AppConfig):
    name = "bms.entities"
    label = "entities"
    verbose_name = "Entities"
