"""The fixes for a customer's Xero contact archived, under a GDPR request or merged in Xero:
Unarchive (a write to Xero) and Relink (a page to search Xero's contacts and choose one). The work
is in services/contact_repairs.py; Finance and Admin only."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from bms.core.access import rule
from bms.core.errors import DomainError
from bms.xero.client.schemas import Contact
from bms.xero.models import ContactLink
from bms.xero.services.contact_repairs import contact_relink, contact_unarchive, xero_contacts_search
from bms.xero.views import AuthenticatedRequest


def _link(pk: int, link_id: int) -> ContactLink:
    return get_object_or_404(ContactLink.objects.select_related("tenant", "customer"), pk=link_id, customer_id=pk)


@require_POST
@rule("xero.sync")
def contact_unarchive_view(request: AuthenticatedRequest, pk: int, link_id: int) -> HttpResponse:
    link = _link(pk, link_id)
    try:
        contact_unarchive(link=link, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The Xero contact of {link.customer.name} is active again in {link.tenant.name}; "
                                  "its held invoices are queued for Xero.")
    return redirect("billing:customer_detail", pk=pk)


@rule("xero.sync")
def contact_relink_view(request: AuthenticatedRequest, pk: int, link_id: int) -> HttpResponse:
    link = _link(pk, link_id)
    if request.method == "POST":
        try:
            contact_relink(link=link, xero_contact_id=request.POST.get("xero_contact_id", ""), actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{link.customer.name} is now linked to the chosen Xero contact; its held "
                                      "invoices are queued for Xero.")
            return redirect("billing:customer_detail", pk=pk)
    term = request.GET.get("q", link.customer.name if request.method == "GET" else "")
    found: list[Contact] = []
    try:
        found = xero_contacts_search(link=link, term=term)
    except DomainError as exc:
        messages.error(request, exc.message)
    linked = dict(ContactLink.objects.filter(tenant=link.tenant, xero_id__in=[c.contact_id for c in found])
                  .values_list("xero_id", "customer__code"))
    rows = [{"contact": c, "linked_to": linked.get(c.contact_id or "", "")} for c in found]
    return render(request, "xero/contact_relink.html", {"link": link, "customer": link.customer, "term": term,
                                                        "rows": rows})
