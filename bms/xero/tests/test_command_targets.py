"""`--entity CODE` means the same to every command that takes it (management/targets.py): `bms sync`,
`bms sync --dry-run` and `bms reconcile` name the same mistake in the same words."""

import pytest
from django.core.management import CommandError, call_command

from bms.testing import factories as f

pytestmark = pytest.mark.django_db

COMMANDS = {
    "sync": ("sync", "customers"),
    "dry run": ("sync", "customers", "--dry-run"),
    "reconcile": ("reconcile",),
}


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_an_unknown_code_is_named(xero_active, command):
    with pytest.raises(CommandError, match=r"^No entity has the code 'XX'\.$"):
        call_command(*command, "--entity", "XX")


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_an_entity_not_connected_is_sent_to_entities(xero_active, command):
    f.entity(code="NZ", name="Kiwi Tools Ltd")
    with pytest.raises(CommandError, match=r"^Kiwi Tools Ltd is not connected to Xero \(Admin → Entities\)\.$"):
        call_command(*command, "--entity", "NZ")


@pytest.mark.parametrize("command", [("sync", "customers"), ("sync", "customers", "--dry-run")],
                         ids=["sync", "dry run"])
def test_all_with_nothing_connected_says_so(xero_active, command):
    f.entity(code="NZ")
    with pytest.raises(CommandError, match=r"^No entity is connected to Xero yet\.$"):
        call_command(*command, "--all")


def test_a_connected_entity_resolves_to_its_organisation(connected, au_entity):
    from bms.xero.management.targets import entity_with_tenant

    assert entity_with_tenant(au_entity.code) == (au_entity, connected)
