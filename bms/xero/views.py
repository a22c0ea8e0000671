"""Connecting entities to Xero: thin views over services/connections.py."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from bms.billing.models import CreditNote, Invoice
from bms.cogs.models import CostOfSalesJournal
from bms.core.access import rule
from bms.core.errors import DomainError
from bms.core.params import id_param, object_or_404
from bms.core.text import counted
from bms.customers.models import Customer
from bms.entities.models import Entity
from bms.jobs.models import Job
from bms.preferences.selectors import xero_is_active
from bms.users.models import User
from bms.xero.auth.scopes import requested_scopes, scope_reasons
from bms.xero.client.errors import XeroError
from bms.xero.models import XeroTenant
from bms.xero.selectors import tenants_available, tenants_in_use
from bms.xero.services.actions import (
    chart_sync_request,
    credit_note_sync_request,
    customer_sync_request,
    customer_unlink,
    customers_sync_all_request,
    invoice_sync_request,
    invoices_push_all_request,
    journal_push_request,
    payments_pull_request,
)
from bms.xero.services.chart import AccountDifference
from bms.xero.services.chart import chart_compare as chart_compare_service
from bms.xero.services.connections import (
    ConnectError,
    entity_remove_authentication,
    oauth_complete,
    oauth_declined,
    oauth_start,
)
from bms.xero.services.tracking_status import TrackingDifference, tracking_compare
from bms.xero.sync.tenant_client import accounting_client


class AuthenticatedRequest(HttpRequest):
    """A request the access rules let through: someone is signed in."""

    user: User


def _entities_page() -> HttpResponse:
    return redirect("entities:entity_list")


def _safe_return(request: HttpRequest, candidate: str | None) -> str:
    """A page on this site to come back to, or "": never an address an attacker chose
    (//evil.example, https://evil.example, javascript:…), nor a bare word (`abc`) that is no path."""
    if candidate and candidate.startswith("/") and len(candidate) <= 2000 and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _back(request: HttpRequest, return_to: str = "") -> HttpResponse:
    return redirect(return_to) if return_to else _entities_page()


@require_POST
@rule("xero.connect")
def authenticate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    entity = get_object_or_404(Entity, pk=pk)
    return_to = _safe_return(request, request.POST.get("next"))
    try:
        url = oauth_start(session=request.session, entity=entity, user=request.user, return_to=return_to,
                          settings_write=request.POST.get("settings_write") == "1",
                          payments=request.POST.get("payments") == "1")
    except ConnectError as exc:
        messages.error(request, exc.message)
        return _back(request, return_to)
    return redirect(url)


@rule("xero.connect")
def consent(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The consent step for a wider scope: which scopes Xero will be asked for and why, before the
    admin goes to Xero (`?settings_write=1`, `?payments=1`)."""
    entity = get_object_or_404(Entity, pk=pk)
    wider = {name: request.GET.get(name) == "1" for name in ("settings_write", "payments")}
    return render(request, "xero/consent.html", {
        "entity": entity, "wider": wider, "reasons": scope_reasons(requested_scopes(**wider)),
        "return_to": _safe_return(request, request.GET.get("next")),
    })


@rule("xero.connect")
def callback(request: AuthenticatedRequest) -> HttpResponse:
    if "error" in request.GET:
        # The admin cancelled on Xero's consent page, or Xero refused the request. Only a state this
        # session started earns Xero's reason (in BMS's words); the address's own text is never shown.
        try:
            messages.error(request, oauth_declined(session=request.session, state=request.GET.get("state", ""),
                                                   error=request.GET["error"], user=request.user))
        except ConnectError as exc:
            messages.error(request, exc.message)
        return _entities_page()
    try:
        result = oauth_complete(
            session=request.session,
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
            user=request.user,
        )
    except ConnectError as exc:
        messages.error(request, exc.message)
        return _entities_page()
    who = result.grant.authenticated_by_name or result.grant.authenticated_by_email or "the Xero user"
    count = len(result.tenants)
    messages.success(
        request,
        f"Authenticated with Xero as {who}: {count} organisation{'s' if count != 1 else ''} authorised. "
        f"Choose the one {result.entity.name} posts to.",
    )
    target = reverse("xero:connect_tenant", args=[result.entity.pk])
    # Checked again: the session held it, but a check costs nothing and the redirect is ours.
    return_to = _safe_return(request, result.return_to)
    return redirect(f"{target}?{urlencode({'next': return_to})}" if return_to else target)


@require_POST
@rule("xero.connect")
def remove_authentication(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    entity = get_object_or_404(Entity, pk=pk)
    try:
        entity_remove_authentication(entity=entity, user=request.user)
    except ConnectError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"{entity.name} is no longer connected to Xero. Xero identifiers stored on its records are kept.",
        )
    return _entities_page()


# --- sync buttons on customer and invoice pages -----------------------------------------------


def _queued(request: HttpRequest, jobs: list[Job]) -> None:
    numbers = ", ".join(f"#{job.pk}" for job in jobs)
    messages.success(request, f"Queued as background job {numbers}: see Admin → Background Jobs for its progress.")


@require_POST
@rule("xero.sync")
def customer_sync(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    try:
        _queued(request, customer_sync_request(customer=customer, user=request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("billing:customer_detail", pk=pk)


@require_POST
@rule("xero.connect")
def customer_unlink_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    count = customer_unlink(customer=customer, user=request.user)
    messages.success(request, f"BMS forgot {counted(count, 'Xero link')} for {customer.name}. Nothing was changed "
                              "in Xero; "
                              "the next sync links the customer again (by contact code or name).")
    return redirect("billing:customer_detail", pk=pk)


@require_POST
@rule("xero.connect")
def customers_sync_all(request: AuthenticatedRequest) -> HttpResponse:
    try:
        _queued(request, customers_sync_all_request(user=request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("billing:customer_list")


@require_POST
@rule("xero.sync")
def invoice_sync(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice.objects.select_related("entity"), pk=pk)
    try:
        _queued(request, [invoice_sync_request(invoice=invoice, user=request.user)])
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("billing:invoice_detail", pk=pk)


@require_POST
@rule("xero.sync")
def credit_note_sync(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    credit_note = get_object_or_404(CreditNote.objects.select_related("entity"), pk=pk)
    try:
        _queued(request, [credit_note_sync_request(credit_note=credit_note, user=request.user)])
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("billing:credit_note_detail", pk=pk)


@require_POST
@rule("xero.sync")
def invoices_push_all(request: AuthenticatedRequest) -> HttpResponse:
    try:
        _queued(request, invoices_push_all_request(user=request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("billing:invoice_list")


@require_POST
@rule("xero.journals")
def journal_push(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    journal = get_object_or_404(CostOfSalesJournal.objects.select_related("entity"), pk=pk)
    try:
        _queued(request, [journal_push_request(journal=journal, user=request.user)])
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("cogs:journal_detail", pk=pk)


@require_POST
@rule("xero.sync")
def payments_pull_now(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Pull payments now, from an entity's page or (with `invoice`) an invoice's Xero panel."""
    entity = get_object_or_404(Entity, pk=pk)
    invoice_id = id_param(request.POST.get("invoice"))
    invoice = Invoice.objects.filter(pk=invoice_id, entity=entity).first() if invoice_id is not None else None
    back = (redirect("billing:invoice_detail", pk=invoice.pk) if invoice is not None
            else redirect("entities:entity_detail", pk=entity.pk))
    try:
        job, queued = payments_pull_request(entity=entity, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return back
    if queued:
        _queued(request, [job])
    else:
        messages.info(request, f"A payment pull from that organisation is already waiting: background job #{job.pk}.")
    return back


# --- chart of accounts: Compare to Xero and Sync from Xero --------------------------------------


@rule("xero.connect")
def chart_compare(request: AuthenticatedRequest) -> HttpResponse:
    tenants = tenants_in_use() or tenants_available()
    chosen = next((t for t in tenants if str(t.pk) == request.GET.get("tenant")), tenants[0] if tenants else None)
    differences: list[AccountDifference] = []
    tracking: list[TrackingDifference] = []
    error = ""
    if chosen is not None and xero_is_active():
        try:
            with accounting_client(chosen) as client:
                differences = chart_compare_service(client=client)
                tracking = tracking_compare(tenant=chosen, client=client)
        except XeroError as exc:
            error = f"Xero could not be read: {exc.message}"
    return render(request, "xero/chart_compare.html", {
        "tenants": tenants, "chosen": chosen, "differences": differences, "tracking": tracking, "error": error,
        "is_active": xero_is_active(),
    })


@require_POST
@rule("xero.connect")
def chart_sync(request: AuthenticatedRequest) -> HttpResponse:
    tenant = object_or_404(XeroTenant, request.POST.get("tenant"), is_connected=True)
    if not xero_is_active():
        messages.error(request, "The Xero package is not active, so nothing is read from Xero.")
        return redirect("ledger:account_list")
    _queued(request, [chart_sync_request(tenant=tenant, user=request.user)])
    return redirect("ledger:account_list")
