from django.db.models import Count, F, Prefetch, QuerySet
from django.db.models.functions import Coalesce

from bms.entities.models import Entity, EntityKind
from bms.preferences.selectors import general_settings


def entity_time_zone(entity: Entity) -> str:
    """An entity's own zone, else the instance default."""
    return entity.time_zone or general_settings().default_time_zone


ENTITY_FAMILY = Coalesce("organisation", "id")  # an organisation's id, for it and for its branches


def entities_list() -> QuerySet[Entity]:
    """The Entities grid: each organisation followed by its branches by name; organisations in the
    order they were created. By the columns of the entity_list index (not by the organisation's
    name, which lives on another row): a page is one index range however many entities there are."""
    return (
        Entity.objects.select_related("organisation")
        .annotate(family=ENTITY_FAMILY)
        .order_by("family", F("kind").desc(), "name", "pk")  # "organisation" sorts after "branch"
    )


def organisations_with_branches(shown: list[Entity] | None = None) -> QuerySet[Entity]:
    """Each organisation with its branches loaded in one more query, for the Organisations section;
    given the entities of a page, only those: the organisations among them or above them, and of
    their branches the ones on the page."""
    organisations = Entity.objects.filter(kind=EntityKind.ORGANISATION)
    branches = Entity.objects.order_by("name", "pk")
    if shown is not None:
        ids = {e.pk for e in shown}
        organisations = organisations.filter(pk__in=ids | {e.organisation_id for e in shown if e.organisation_id})
        branches = branches.filter(pk__in=ids)
    return (
        organisations.annotate(branch_count=Count("branches"))
        .prefetch_related(Prefetch("branches", queryset=branches))
        .order_by("name", "pk")
    )
