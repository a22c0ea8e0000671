from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render

from bms.core.access import rule
from bms.core.errors import DomainError
from bms.core.pagination import paginate
from bms.entities.forms import EntityForm
from bms.entities.models import Entity, EntityKind
from bms.entities.selectors import entity_time_zone
from bms.entities.services import entity_create, entity_update


@rule("admin.view")
def entity_list(request):
    entities = Entity.objects.select_related("organisation").order_by("kind", "name")
    organisations = Entity.objects.filter(kind=EntityKind.ORGANISATION).prefetch_related(
        Prefetch("branches", queryset=Entity.objects.order_by("name"))
    ).order_by("name")
    return render(request, "entities/entity_list.html", {"organisations": organisations,
                                                         **paginate(request, entities)})


@rule("admin.view")
def entity_detail(request, pk: int):
    entity = get_object_or_404(Entity.objects.select_related("organisation"), pk=pk)
    return render(request, "entities/entity_detail.html", {"entity": entity, "zone": entity_time_zone(entity),
                                                           "branches": entity.branches.order_by("name")})


def _entity_form(request, entity=None):
    form = EntityForm(request.POST or None, instance=entity)
    if request.method == "POST" and form.is_valid():
        try:
            if entity is None:
                saved = entity_create(**form.cleaned_data)
            else:
                saved = entity_update(entity=Entity.objects.get(pk=entity.pk), **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"{saved.name} saved.")
            return redirect("entities:entity_detail", pk=saved.pk)
    return render(request, "entities/entity_form.html", {"form": form, "entity": entity})


@rule("admin.edit")
def entity_create_view(request):
    return _entity_form(request)


@rule("admin.edit")
def entity_edit(request, pk: int):
    return _entity_form(request, get_object_or_404(Entity, pk=pk))
