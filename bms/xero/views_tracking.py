"""Admin → Tracking: each entity's tracking chosen from its Xero organisation's own categories, the
categories read again from Xero, and an option created in Xero on request. Thin views over
services/tracking.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bms.core.access import rule
from bms.core.errors import DomainError
from bms.core.params import object_or_404
from bms.entities.models import Entity
from bms.preferences.selectors import xero_is_active
from bms.users.models import User
from bms.xero.auth.scopes import SETTINGS_WRITE, grant_has_scope
from bms.xero.client.errors import XeroError
from bms.xero.forms import EntityTrackingForm, TrackingOptionCreateForm
from bms.xero.models import XeroTenant
from bms.xero.models_tracking import EntityTracking, TrackingStatus, XeroTrackingCategory
from bms.xero.selectors import entities_for_tenant, tenants_in_use
from bms.xero.services.tracking import (
    SettingsScopeNeededError,
    entity_tracking_choose,
    tenant_read_tracking,
    tracking_option_create,
)
from bms.xero.services.tracking_status import categories_as_read, entity_tracking_state
from bms.xero.sync.tenant_client import accounting_client


class AuthenticatedRequest(HttpRequest):
    user: User


@dataclass
class TenantSection:
    tenant: XeroTenant
    categories: list[XeroTrackingCategory]
    rows: list[dict[str, Any]]
    can_create: bool
    consent_entity: Entity | None


def _form(entity: Entity, categories: list[XeroTrackingCategory], data: Any = None) -> EntityTrackingForm:
    current = {row.option.category_id: row.option.pk for row in
               EntityTracking.objects.select_related("option").filter(entity=entity, option__isnull=False)
               if row.option is not None}
    return EntityTrackingForm(data, categories=categories, current=current, prefix=f"e{entity.pk}")


def _section(tenant: XeroTenant, bound: EntityTrackingForm | None = None, bound_entity: int | None = None
             ) -> TenantSection:
    active = list(XeroTrackingCategory.objects.filter(tenant=tenant, status=TrackingStatus.ACTIVE).order_by("name"))
    read = categories_as_read(tenant)
    entities = entities_for_tenant(tenant)
    rows = [{"entity": entity, "state": entity_tracking_state(entity, tenant=tenant, categories=read),
             "form": bound if bound is not None and entity.pk == bound_entity else _form(entity, active)}
            for entity in entities]
    return TenantSection(tenant=tenant, categories=active, rows=rows,
                         can_create=tenant.grant is not None and grant_has_scope(tenant.grant.scopes, SETTINGS_WRITE),
                         consent_entity=entities[0] if entities else None)


def _page(request: HttpRequest, sections: list[TenantSection]) -> HttpResponse:
    return render(request, "xero/tracking.html", {
        "sections": sections, "is_active": xero_is_active(), "create_form": TrackingOptionCreateForm(),
        "here": reverse("xero:tracking"),
    })


@rule("xero.connect")
def tracking(request: AuthenticatedRequest) -> HttpResponse:
    tenants = tenants_in_use()
    if request.method == "POST":
        entity = object_or_404(Entity, request.POST.get("entity"))
        tenant = next((t for t in tenants if entity in entities_for_tenant(t)), None)
        if tenant is None:
            messages.error(request, f"{entity.name} is not connected to Xero: connect it first.")
            return redirect("xero:tracking")
        active = list(XeroTrackingCategory.objects.filter(tenant=tenant, status=TrackingStatus.ACTIVE))
        form = _form(entity, active, request.POST)
        if form.is_valid():
            try:
                entity_tracking_choose(entity=entity, options=form.chosen(), user=request.user)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"{entity.name}'s tracking saved; its invoices and journals carry it "
                                          "from the next push (sync again to send the ones held).")
                return redirect("xero:tracking")
        return _page(request, [_section(t, form, entity.pk) if t == tenant else _section(t) for t in tenants])
    return _page(request, [_section(tenant) for tenant in tenants])


@require_POST
@rule("xero.connect")
def tracking_read(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    tenant = get_object_or_404(XeroTenant, pk=pk, is_connected=True)
    if not xero_is_active():
        messages.error(request, "The Xero package is not active, so nothing is read from Xero.")
        return redirect("xero:tracking")
    try:
        with accounting_client(tenant) as client:
            categories = tenant_read_tracking(tenant=tenant, client=client)
    except XeroError as exc:
        messages.error(request, f"Xero could not be read: {exc.message}")
    else:
        messages.success(request, f"Read {len(categories)} tracking categor{'y' if len(categories) == 1 else 'ies'} "
                                  f"from {tenant.name}.")
    return redirect("xero:tracking")


@require_POST
@rule("xero.connect")
def tracking_option_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(XeroTrackingCategory.objects.select_related("tenant__grant"), pk=pk)
    form = TrackingOptionCreateForm(request.POST)
    if not xero_is_active() or not form.is_valid():
        messages.error(request, "Give the new option a name of 1 to 100 characters." if xero_is_active()
                       else "The Xero package is not active, so nothing is created in Xero.")
        return redirect("xero:tracking")
    try:
        with accounting_client(category.tenant) as client:
            option = tracking_option_create(category=category, name=form.cleaned_data["name"], user=request.user,
                                            client=client)
    except SettingsScopeNeededError as exc:
        messages.warning(request, exc.message)
        entity = next(iter(entities_for_tenant(category.tenant)), None)
        if entity is not None:
            query = urlencode({"settings_write": "1", "next": reverse("xero:tracking")})
            return redirect(f"{reverse('xero:consent', args=[entity.pk])}?{query}")
    except (DomainError, XeroError) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"“{option.name}” created in {category.name} in {category.tenant.name}; choose it "
                                  "for an entity below.")
    return redirect("xero:tracking")
