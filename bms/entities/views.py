from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from bms.core.access import rule
from bms.core.errors import DomainError
from bms.core.pagination import paginate
from bms.entities.forms import EntityForm
from bms.entities.models import Entity
from bms.entities.selectors import entities_list, entity_time_zone, organisations_with_branches
from bms.entities.services import entity_create, entity_update
from bms.preferences.selectors import general_settings


@rule("admin.view")
def entity_list(request):
    page = paginate(request, entities_list())
    return render(request, "entities/entity_list.html", {
        "organisations": organisations_with_branches(page["page_obj"].rows),
        "default_time_zone": general_settings().default_time_zone,
        **page,
    })


@rule("admin.view")
def entity_detail(request, pk: int):
    entity = get_object_or_404(Entity.objects.select_related("organisation"), pk=pk)
    return render(request, "entities/entity_detail.html", {"entity": entity, "zone": entity_time_zone(entity),
                                                           "branches": entity.branches.order_by("name")})


def _entity_form(request, entity: Entity | None = None):
    form = EntityForm(request.POST or None, instance=entity)
    if request.method == "POST" and form.is_valid():
        try:
            if entity is None:
                saved = entity_create(**form.cleaned_data)
            else:
                # A copy: if a rule refuses the change, the page title must still show the stored name.
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
