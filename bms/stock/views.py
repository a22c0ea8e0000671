from django import forms
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.shortcuts import get_object_or_404, render

from bms.core.access import rule
from bms.core.pagination import paginate
from bms.core.tz import day_bounds_utc
from bms.entities.models import Entity
from bms.entities.selectors import entity_time_zone
from bms.stock.models import Dispatch, DispatchStatus

LINE_COST = ExpressionWrapper(F("lines__quantity") * F("lines__unit_cost"),
                              output_field=DecimalField(max_digits=28, decimal_places=8))


class DispatchFilterForm(forms.Form):
    entity = forms.ModelChoiceField(queryset=Entity.objects.order_by("name"), required=False, empty_label="All")
    status = forms.ChoiceField(choices=[("", "All"), *DispatchStatus.choices], required=False)
    shipped_from = forms.DateField(required=False, label="Shipped from",
                                   widget=forms.DateInput(attrs={"type": "date"}))
    shipped_to = forms.DateField(required=False, label="Shipped to", widget=forms.DateInput(attrs={"type": "date"}))


@rule("stock.view")
def dispatch_list(request):
    filters = DispatchFilterForm(request.GET or None)
    dispatches = Dispatch.objects.select_related("entity", "customer").annotate(
        line_count=Count("lines"), cost_total=Sum(LINE_COST)
    )
    if filters.is_valid():
        data = filters.cleaned_data
        if data["entity"]:
            dispatches = dispatches.filter(entity=data["entity"])
            # Trading days are the entity's own: filter by its local midnight, not UTC's.
            zone_name = entity_time_zone(data["entity"])
            if data["shipped_from"]:
                dispatches = dispatches.filter(shipped_at__gte=day_bounds_utc(data["shipped_from"], zone_name)[0])
            if data["shipped_to"]:
                dispatches = dispatches.filter(shipped_at__lt=day_bounds_utc(data["shipped_to"], zone_name)[1])
        else:
            if data["shipped_from"]:
                dispatches = dispatches.filter(shipped_at__date__gte=data["shipped_from"])
            if data["shipped_to"]:
                dispatches = dispatches.filter(shipped_at__date__lte=data["shipped_to"])
        if data["status"]:
            dispatches = dispatches.filter(status=data["status"])
    page = paginate(request, dispatches.order_by(F("shipped_at").desc(nulls_first=True), "-id"))
    for dispatch in page["page_obj"]:
        dispatch.zone = entity_time_zone(dispatch.entity)
    return render(request, "stock/dispatch_list.html", {"filters": filters, **page})


@rule("stock.view")
def dispatch_detail(request, pk: int):
    dispatch = get_object_or_404(Dispatch.objects.select_related("entity", "customer"), pk=pk)
    lines = dispatch.lines.select_related("product").annotate(
        line_cost=ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=DecimalField(max_digits=28,
                                                                                             decimal_places=8))
    )
    zone_name = entity_time_zone(dispatch.entity)
    return render(request, "stock/dispatch_detail.html",
                  {"dispatch": dispatch, "lines": lines, "zone": zone_name,
                   "cost_total": sum((line.line_cost or 0) for line in lines)})
