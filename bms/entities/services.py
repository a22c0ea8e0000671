from django.db import transaction

from bms.core.errors import DomainError
from bms.core.tz import is_valid_time_zone
from bms.entities.models import Entity, EntityKind

FIELDS = {"kind", "organisation", "name", "trading_name", "code", "prefix", "time_zone", "is_default",
          "tracking_option_1", "tracking_option_2"}


def _validate(entity: Entity) -> None:
    if entity.kind == EntityKind.BRANCH and entity.organisation is None:
        raise DomainError("A branch belongs to an organisation: choose one.", field="organisation")
    if entity.kind == EntityKind.ORGANISATION and entity.organisation is not None:
        raise DomainError("An organisation can't belong to another organisation.", field="organisation")
    if entity.organisation is not None and entity.organisation.kind != EntityKind.ORGANISATION:
        raise DomainError("A branch can only belong to an organisation, not to another branch.", field="organisation")
    if entity.time_zone and not is_valid_time_zone(entity.time_zone):
        raise DomainError(f"Unknown time zone “{entity.time_zone}”: use a name like Australia/Sydney, or leave it "
                          "blank for the default.", field="time_zone")
    if entity.pk and entity.kind == EntityKind.BRANCH and entity.branches.exists():
        raise DomainError("This organisation has branches, so it can't become a branch.", field="kind")
    clash = Entity.objects.exclude(pk=entity.pk)
    if clash.filter(code__iexact=entity.code).exists():
        raise DomainError(f"The code {entity.code} is already used by another entity.", field="code")
    if clash.filter(prefix__iexact=entity.prefix).exists():
        raise DomainError(f"The prefix {entity.prefix} is already used: document numbers must stay unique.",
                          field="prefix")


def _save(entity: Entity) -> Entity:
    entity.code = entity.code.strip().upper()
    entity.prefix = entity.prefix.strip()
    entity.time_zone = entity.time_zone.strip()
    _validate(entity)
    with transaction.atomic():
        if entity.is_default:
            # One default: taking it clears the old one in the same transaction.
            Entity.objects.exclude(pk=entity.pk).filter(is_default=True).update(is_default=False)
        entity.full_clean()
        entity.save()
    return entity


def entity_create(**fields) -> Entity:
    unknown = set(fields) - FIELDS
    if unknown:
        raise TypeError(f"unexpected entity fields {sorted(unknown)}")
    return _save(Entity(**fields))


def entity_update(*, entity: Entity, **fields) -> Entity:
    unknown = set(fields) - FIELDS
    if unknown:
        raise TypeError(f"unexpected entity fields {sorted(unknown)}")
    for name, value in fields.items():
        setattr(entity, name, value)
    return _save(entity)
