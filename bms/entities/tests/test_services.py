import pytest

from bms.core.errors import DomainError
from bms.entities.models import Entity
from bms.entities.services import entity_create, entity_update

pytestmark = pytest.mark.django_db


def _organisation(code="AU", **extra) -> Entity:
    return entity_create(kind="organisation", name=f"Acme {code}", code=code, prefix=f"{code}-", **extra)


def _refused(field: str, **fields):
    with pytest.raises(DomainError) as refused:
        entity_create(**{"kind": "organisation", "name": "X", "code": "X", "prefix": "X-", **fields})
    assert refused.value.field == field
    return refused.value.message


def test_it_needs_an_organisation_for_a_branch():
    assert "A branch belongs to an organisation" in _refused("organisation", kind="branch")


def test_it_forbids_an_organisation_for_an_organisation():
    assert "leave this empty" in _refused("organisation", organisation=_organisation())


def test_it_refuses_a_branch_of_a_branch():
    branch = entity_create(kind="branch", organisation=_organisation(), name="Melbourne", code="MEL", prefix="MEL-")
    assert "not to another branch" in _refused("organisation", kind="branch", organisation=branch)


def test_it_refuses_an_unknown_time_zone_but_takes_blank_for_the_default():
    assert "Unknown time zone “Australia/Atlantis”" in _refused("time_zone", time_zone="Australia/Atlantis")
    assert entity_create(kind="organisation", name="X", code="X", prefix="X-", time_zone="").time_zone == ""


def test_it_refuses_a_duplicate_code_or_prefix_whatever_the_case():
    _organisation("AU")
    assert "already used by another entity" in _refused("code", code="au")
    assert "document numbers must stay unique" in _refused("prefix", prefix="au-")


def test_it_stores_codes_in_capitals_and_trims_what_was_typed():
    entity = entity_create(kind="organisation", name="  Acme  ", code=" nz ", prefix=" NZ- ",
                           time_zone=" Pacific/Auckland ")
    assert (entity.name, entity.code, entity.prefix, entity.time_zone) == ("Acme", "NZ", "NZ-", "Pacific/Auckland")


def test_it_keeps_exactly_one_default_entity():
    first = _organisation("A", is_default=True)
    second = _organisation("B", is_default=True)
    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)
    entity_update(entity=first, is_default=True)
    assert list(Entity.objects.filter(is_default=True)) == [first]


def test_it_will_not_turn_an_organisation_with_branches_into_a_branch():
    parent, other = _organisation("AU"), _organisation("NZ")
    entity_create(kind="branch", organisation=parent, name="Melbourne", code="MEL", prefix="MEL-")
    with pytest.raises(DomainError) as refused:
        entity_update(entity=parent, kind="branch", organisation=other)
    assert refused.value.field == "kind"


def test_it_refuses_fields_it_does_not_know():
    with pytest.raises(TypeError):
        entity_update(entity=_organisation(), colour="blue")

