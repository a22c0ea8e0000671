"""Admin → Journals: the nightly cost-of-sales journals, a list and each journal's page."""

from django.shortcuts import get_object_or_404, render

from bms.cogs.forms import JournalFilterForm
from bms.cogs.models import CostOfSalesJournal
from bms.cogs.selectors import (
    journal_account_summary,
    journal_is_balanced,
    journal_lines_of,
    journal_postings,
    journal_totals,
    journals_list,
)
from bms.core.access import rule
from bms.core.pagination import paginate


@rule("admin.view")
def journal_list(request):
    filters = JournalFilterForm(request.GET or None)
    if not filters.is_bound:
        journals = journals_list()
    elif filters.is_valid():
        data = filters.cleaned_data
        journals = journals_list(entity=data["entity"], date_from=data["date_from"], date_to=data["date_to"],
                                 status=data["status"])
    else:
        # Showing every journal under a filter the user got wrong would look like an answer.
        journals = CostOfSalesJournal.objects.none()
    return render(request, "cogs/journal_list.html", {"filters": filters, **paginate(request, journals)})


@rule("admin.view")
def journal_detail(request, pk: int):
    journal = get_object_or_404(CostOfSalesJournal.objects.select_related("entity"), pk=pk)
    summary = journal_account_summary(journal)
    totals = journal_totals(journal, summary=summary)
    return render(request, "cogs/journal_detail.html", {
        "journal": journal,
        "summary": summary,
        "totals": totals,
        "is_balanced": journal_is_balanced(journal, totals),
        # 100 postings a page: 200 lines, each posting's debit and credit on the same page.
        **paginate(request, journal_postings(journal), per_page=100, rows=journal_lines_of, rows_per_record=2),
    })
