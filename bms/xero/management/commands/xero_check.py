from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bms.entities.models import Entity
from bms.preferences.selectors import xero_is_active
from bms.xero.services.organisations import entity_check_connection


class Command(BaseCommand):
    help = "Check each entity's Xero connection by reading its organisation from Xero."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entity", help="Check only the entity with this code.")

    def handle(self, *args: Any, entity: str | None = None, **options: Any) -> None:
        if not xero_is_active():
            raise CommandError("The Xero package is not active (Admin → General Settings); nothing to check.")
        entities = Entity.objects.select_related("organisation").order_by("kind", "name")
        if entity:
            entities = entities.filter(code=entity)
            if not entities:
                raise CommandError(f"No entity has the code {entity!r}.")
        failures = 0
        for item in entities:
            result = entity_check_connection(entity=item)
            style = self.style.SUCCESS if result.ok else self.style.ERROR
            self.stdout.write(f"{item.code:<10} {style('OK  ' if result.ok else 'FAIL')} {result.message}")
            failures += 0 if result.ok else 1
        if failures:
            raise CommandError(f"{failures} entit{'y' if failures == 1 else 'ies'} cannot reach Xero.")
