from django.shortcuts import get_object_or_404, render

from bms.core.access import rule
from bms.core.pagination import paginate
from bms.core.tz import trading_day
from bms.entities.selectors import entity_time_zone
from bms.stock.forms import DispatchFilterForm
from bms.stock.models import Dispatch
from bms.stock.selectors import dispatch_lines, dispatch_page_figures, dispatches_list, entity_zones


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
    page = paginate(request, dispatches, rows=_with_zone_and_figures)
    return render(request, "stock/dispatch_list.html", {"filters": filters, "rows": page["page_obj"].rows, **page})


def _with_zone_and_figures(rows: list[Dispatch]) -> list[Dispatch]:
    zones, (counts, totals) = entity_zones(), dispatch_page_figures([row.pk for row in rows])
    for row in rows:
        row.zone, row.line_count, row.cost_total = zones[row.entity_id], counts[row.pk], totals[row.pk]
        row.shipped_on = trading_day(row.shipped_at, row.zone) if row.shipped_at else None
    return rows


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
