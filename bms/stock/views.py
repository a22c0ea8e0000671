from django.shortcuts import get_object_or_404, render

from bms.core.access import rule
from bms.core.pagination import paginate
from bms.core.tz import trading_day
from bms.entities.selectors import entity_time_zone
from bms.stock.forms import DispatchFilterForm
from bms.stock.models import Dispatch
from bms.stock.selectors import dispatch_cost_totals, dispatch_lines, dispatches_list, entity_zones


@rule("stock.view")
def dispatch_list(request):
    filters = DispatchFilterForm(request.GET or None)
    if not filters.is_bound:
        dispatches = dispatches_list()
    elif filters.is_valid():
        dispatches = dispatches_list(**filters.cleaned_data)
    else:
        # Every dispatch under a filter the user got wrong would look like an answer.
        dispatches = Dispatch.objects.none()
    page = paginate(request, dispatches)
    rows = list(page["page_obj"])
    zones, totals = entity_zones(), dispatch_cost_totals([row.pk for row in rows])
    for row in rows:
        row.zone, row.cost_total = zones[row.entity_id], totals[row.pk]
        row.shipped_on = trading_day(row.shipped_at, row.zone) if row.shipped_at else None
    return render(request, "stock/dispatch_list.html", {"filters": filters, "rows": rows, **page})


@rule("stock.view")
def dispatch_detail(request, pk: int):
    dispatch = get_object_or_404(Dispatch.objects.select_related("entity", "customer"), pk=pk)
    lines = dispatch_lines(dispatch)
    costs = [line.line_cost for line in lines if line.line_cost is not None]
    zone = entity_time_zone(dispatch.entity)
    return render(request, "stock/dispatch_detail.html", {
        "dispatch": dispatch, "lines": lines, "zone": zone,
        "shipped_on": trading_day(dispatch.shipped_at, zone) if dispatch.shipped_at else None,
        "cost_total": sum(costs) if costs else None,
    })
