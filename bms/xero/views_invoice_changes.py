"""The buttons for a change made in Xero, on an invoice's Xero Integration panel: Cancel in BMS
and Accept (services/invoice_changes.py does the work); and for totals that differ: Re-send to Xero
and Cancel in BMS (services/invoice_differs.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from bms.billing.models import Invoice
from bms.core.access import rule
from bms.core.errors import DomainError
from bms.xero.models import InvoiceLink
from bms.xero.services.invoice_changes import invoice_accept_xero_status, invoice_cancel_to_match_xero
from bms.xero.services.invoice_differs import invoice_differs_cancel, invoice_differs_resend
from bms.xero.views import AuthenticatedRequest


@require_POST
@rule("xero.sync")
def invoice_cancel_to_match(request: AuthenticatedRequest, pk: int, link_id: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        invoice_cancel_to_match_xero(invoice=invoice, link_id=link_id, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invoice {invoice.display_number} cancelled in BMS to match Xero.")
    return redirect("billing:invoice_detail", pk=pk)


@require_POST
@rule("xero.sync")
def invoice_accept_difference(request: AuthenticatedRequest, pk: int, link_id: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        invoice_accept_xero_status(invoice=invoice, link_id=link_id, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The difference on invoice {invoice.display_number} is accepted.")
    return redirect("billing:invoice_detail", pk=pk)



@require_POST
@rule("xero.sync")
def invoice_differs_resend_view(request: AuthenticatedRequest, pk: int, link_id: int) -> HttpResponse:
    link = get_object_or_404(InvoiceLink, pk=link_id, invoice_id=pk)
    try:
        job = invoice_differs_resend(link=link, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invoice {link.invoice.display_number} is sent again over Xero's copy: "
                         f"background job #{job.pk}.")
    return redirect("billing:invoice_detail", pk=pk)


@require_POST
@rule("xero.sync")
def invoice_differs_cancel_view(request: AuthenticatedRequest, pk: int, link_id: int) -> HttpResponse:
    link = get_object_or_404(InvoiceLink, pk=link_id, invoice_id=pk)
    try:
        invoice_differs_cancel(link=link, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invoice {link.invoice.display_number} cancelled in BMS; its void in Xero is "
                         "queued.")
    return redirect("billing:invoice_detail", pk=pk)
