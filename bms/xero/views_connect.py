"""Connect Xero Organisation: which organisation an entity posts to, from which date, with which
zero-rate tax types and payments account (read from each organisation's own tax rates and accounts)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from bms.core.access import rule
from bms.core.errors import DomainError
from bms.entities.models import Entity
from bms.xero.auth.scopes import PAYMENTS_WRITE, grant_has_scope
from bms.xero.client.errors import XeroError
from bms.xero.forms import INHERIT, ConnectTenantForm
from bms.xero.models import EntityXeroConnection, XeroTenant
from bms.xero.selectors import EntityXeroStatus, entity_connection, entity_xero_status, tenants_available
from bms.xero.services.connect_options import TenantOptions, tenant_connect_options
from bms.xero.services.connections import RelinkConfirmationRequiredError, entity_connect_tenant
from bms.xero.services.go_live import default_go_live_on
from bms.xero.services.payments_push import entity_settled_invoice_count
from bms.xero.services.refunds_push import entity_refunded_credit_note_count
from bms.xero.sync.run import tenant_read_organisation
from bms.xero.views import AuthenticatedRequest, _back, _safe_return


@rule("xero.connect")
def connect_tenant(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    entity = get_object_or_404(Entity.objects.select_related("organisation"), pk=pk)
    status = entity_xero_status(entity)
    own = entity_connection(entity)
    tenants = tenants_available()
    # Two calls per organisation (tax rates, accounts): what the selects offer is Xero's own.
    options = {str(t.pk): tenant_connect_options(tenant=t) for t in tenants}
    form_kwargs: dict[str, Any] = {
        "tenants": tenants, "allow_inherit": entity.is_branch, "options": options,
        "organisation_name": entity.organisation.name if entity.organisation is not None else "",
        "settled_since": lambda day: entity_settled_invoice_count(entity=entity, since=day),
        "refunded_since": lambda day: entity_refunded_credit_note_count(entity=entity, since=day),
    }
    needs_relink_confirmation = False
    if request.method == "POST":
        form = ConnectTenantForm(request.POST, **form_kwargs)
        if form.is_valid():
            choice = form.cleaned_data["tenant"]
            try:
                entity_connect_tenant(
                    entity=entity, user=request.user, tenant=form.tenants.get(choice), inherit=choice == INHERIT,
                    confirm_relink=form.cleaned_data["confirm_relink"],
                    invoice_status=form.cleaned_data["invoice_status"], choices=form.cleaned_data["choices"],
                )
            except RelinkConfirmationRequiredError as exc:
                form.add_error("confirm_relink", exc.message)
                needs_relink_confirmation = True
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                _after_connect(request, entity)
                return _back(request, _safe_return(request, request.GET.get("next")))
    else:
        form = ConnectTenantForm(initial=_initial(entity, status, own, options), **form_kwargs)
    return render(request, "xero/connect_tenant.html", {
        "entity": entity, "status": status, "form": form, "has_tenants": bool(tenants),
        "needs_relink_confirmation": needs_relink_confirmation,
        "problems": [o.problem for o in options.values() if o.problem],
        **_waiting_for_payments_scope(entity, own, tenants),
    })


def _waiting_for_payments_scope(entity: Entity, own: EntityXeroConnection | None,
                                tenants: list[XeroTenant]) -> dict[str, int]:
    """Invoices whose BMS payments, and credit notes whose BMS refunds, will go to Xero but whose grant
    cannot send them yet (the page then leads to the consent step that asks for accounting.payments,
    and says why)."""
    since = (own.go_live_on if own is not None else None) or default_go_live_on(entity=entity)
    if any(t.grant is not None and grant_has_scope(t.grant.scopes, PAYMENTS_WRITE) for t in tenants):
        return {"payments_waiting": 0, "refunds_waiting": 0}
    return {"payments_waiting": entity_settled_invoice_count(entity=entity, since=since),
            "refunds_waiting": entity_refunded_credit_note_count(entity=entity, since=since)}


def _initial(entity: Entity, status: EntityXeroStatus, own: EntityXeroConnection | None,
             options: dict[str, TenantOptions]) -> dict[str, Any]:
    """What the form shows first: the current choices, else the suggestions."""
    initial: dict[str, Any] = {"go_live_on": (own.go_live_on if own is not None else None)
                               or default_go_live_on(entity=entity)}
    tenant: XeroTenant | None = None
    if own is not None and own.inherits_from_organisation:
        initial["tenant"] = INHERIT
    elif status.tenant is not None and not status.is_inherited:
        initial["tenant"] = str(status.tenant.pk)
        tenant = status.tenant
    if own is not None:
        initial["invoice_status"] = own.invoice_status
    chosen = options.get(str(tenant.pk)) if tenant is not None else next(iter(options.values()), None)
    if chosen is not None:
        initial.update(zero_rate_tax_type=chosen.suggested_zero_rate(), journal_tax_type=chosen.suggested_journal_tax(),
                       payments_account=chosen.suggested_account())
    return initial


def _after_connect(request: HttpRequest, entity: Entity) -> None:
    target = entity_xero_status(entity).tenant
    if target is None:
        messages.warning(request, f"{entity.name} uses its organisation's Xero connection, which is not set up yet.")
        return
    try:
        organisation = tenant_read_organisation(tenant=target)
    except XeroError as exc:
        messages.warning(
            request,
            f"{entity.name} now posts to {target.name}, but reading the organisation from Xero failed "
            f"({exc.message}). Run “bms xero_check” or try again later.",
        )
        return
    lock = organisation.lock_date
    messages.success(
        request,
        f"{entity.name} now posts to {organisation.name}"
        + (f" (lock date {lock:%d/%m/%Y}: nothing dated on or before it can be sent)." if lock else "."),
    )
