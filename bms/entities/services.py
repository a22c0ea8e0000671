"""Creating and changing entities. Every rule a person can break comes back as a DomainError
naming the field, so the form shows it beside what they typed."""

from django.db import transaction

from bms.core.errors import DomainError
from bms.core.tz import is_valid_time_zone
from bms.entities.models import Entity, EntityKind

FIELDS = frozenset({"kind", "organisation", "name", "trading_name", "code", "prefix", "credit_note_prefix",
                    "time_zone", "is_default"})


def _normalise(entity: Entity) -> None:
    entity.name = (entity.name or "").strip()
    entity.trading_name = (entity.trading_name or "").strip()
    # Codes are compared case-insensitively, so store them one way.
    entity.code = (entity.code or "").strip().upper()
    entity.prefix = (entity.prefix or "").strip()
    entity.credit_note_prefix = (entity.credit_note_prefix or "").strip()
    entity.time_zone = (entity.time_zone or "").strip()


def _validate(entity: Entity) -> None:
    if entity.kind not in EntityKind.values:
        raise DomainError("Choose Organisation or Branch.", field="kind")
    for field, label in (("name", "a name"), ("code", "a code"), ("prefix", "a reference prefix")):
        if not getattr(entity, field):
            raise DomainError(f"Enter {label}.", field=field)
    if entity.kind == EntityKind.BRANCH:
        if entity.organisation is None:
            raise DomainError("A branch belongs to an organisation: choose one.", field="organisation")
        if entity.pk is not None and entity.organisation.pk == entity.pk:
            raise DomainError("A branch can't belong to itself.", field="organisation")
        if entity.organisation.kind != EntityKind.ORGANISATION:
            raise DomainError("A branch can only belong to an organisation, not to another branch.",
                              field="organisation")
        if entity.pk is not None and entity.branches.exists():
            raise DomainError("This organisation has branches, so it can't become a branch.", field="kind")
    elif entity.organisation is not None:
        raise DomainError("An organisation doesn't belong to another organisation: leave this empty.",
                          field="organisation")
    if entity.time_zone and not is_valid_time_zone(entity.time_zone):
        raise DomainError(f"Unknown time zone “{entity.time_zone}”: use a name like Australia/Sydney, or leave it "
                          "blank for the default.", field="time_zone")
    others = Entity.objects.exclude(pk=entity.pk)
    if others.filter(code__iexact=entity.code).exists():
        raise DomainError(f"The code {entity.code} is already used by another entity.", field="code")
    if others.filter(prefix__iexact=entity.prefix).exists():
        raise DomainError(f"The prefix {entity.prefix} is already used: document numbers must stay unique.",
                          field="prefix")
    _validate_credit_note_prefix(entity, others)


def _validate_credit_note_prefix(entity: Entity, others) -> None:
    """Credit note numbers stay unique across entities and, once issued, keep the prefix they were
    issued with (Xero holds them by number)."""
    mine = entity.credit_note_number_prefix.upper()
    if any(other.credit_note_number_prefix.upper() == mine for other in others):
        raise DomainError(f"The credit note prefix {entity.credit_note_number_prefix} is already used: credit note "
                          "numbers must stay unique.", field="credit_note_prefix")
    if entity.pk is None:
        return
    before = Entity.objects.get(pk=entity.pk)
    if before.credit_note_number_prefix != entity.credit_note_number_prefix and entity.credit_notes.exists():
        raise DomainError(f"Credit notes were already numbered {before.credit_note_number_prefix}…: their prefix "
                          "can't change now (set a credit note prefix to keep it when changing the reference prefix).",
                          field="credit_note_prefix" if before.credit_note_prefix != entity.credit_note_prefix
                          else "prefix")


def _save(entity: Entity) -> Entity:
    _normalise(entity)
    _validate(entity)
    with transaction.atomic():
        if entity.is_default:
            # One default: taking it clears the old one in the same transaction, before the save,
            # so the partial unique index never sees two.
            Entity.objects.exclude(pk=entity.pk).filter(is_default=True).update(is_default=False)
        entity.full_clean()
        entity.save()
    return entity


def entity_create(
    *, kind: str, name: str, code: str, prefix: str, organisation: Entity | None = None, trading_name: str = "",
    time_zone: str = "", is_default: bool = False, credit_note_prefix: str = "",
) -> Entity:
    """A new organisation, or a branch of one. A blank time zone means the default in General Settings."""
    return _save(Entity(
        kind=kind, name=name, code=code, prefix=prefix, organisation=organisation, trading_name=trading_name,
        time_zone=time_zone, is_default=is_default, credit_note_prefix=credit_note_prefix,
    ))


def entity_update(*, entity: Entity, **fields) -> Entity:
    """Change the given fields of an entity (the names of `entity_create`'s keywords)."""
    unknown = set(fields) - FIELDS
    if unknown:
        raise TypeError(f"unexpected entity fields {sorted(unknown)}")
    for name, value in fields.items():
        setattr(entity, name, value)
    return _save(entity)
