"""The Xero Integration panels that entity, customer, invoice and journal pages show.

Domain apps never import `bms.xero`: their templates load this tag library instead, so the
panel, and the "Xero package is not active" notice, come from the one package that knows Xero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django import template
from django.db.models import Max, Model
from django.template.context import Context
from django.utils.formats import date_format
from django.utils.timezone import localtime

from bms.billing.models import CreditNote, Invoice
from bms.cogs.models import CostOfSalesJournal
from bms.customers.models import Customer
from bms.entities.models import Entity
from bms.preferences.selectors import xero_is_active
from bms.xero import view_in_xero
from bms.xero.auth.incidents import blocking_incident, incident_text, open_incidents, tenant_incidents
from bms.xero.context_processors import incident_banner
from bms.xero.credit_states import credit_use_states
from bms.xero.models import ContactLink, CreditNoteLink, InvoiceLink, JournalLink, SyncLink, XeroTenant
from bms.xero.reconcile.models import ReconciliationRow
from bms.xero.reconcile.selectors import (
    reconciliation_latest_completed,
    record_disagreements,
    tenant_disagreements,
)
from bms.xero.selectors import (
    EntityXeroStatus,
    entity_tenant,
    entity_xero_status,
    entity_xero_statuses,
    tenants_in_use,
)
from bms.xero.services.go_live import credit_note_go_live_verdict, go_live_dates, go_live_verdict
from bms.xero.services.tracking_status import (
    categories_as_read,
    entity_tracking_state,
    tracking_choices,
    tracking_state_of,
)

register = template.Library()


@dataclass(frozen=True)
class PanelLink:
    """One row of a record's panel: its link to one organisation, and where Xero shows the record."""

    link: SyncLink
    view_url: str
    merged_into: str = ""  # a customer's contact merged in Xero into the contact of this customer


def _panel_links(links: Sequence[SyncLink], url: Callable[[str, str], str]) -> list[PanelLink]:
    return [PanelLink(link=row, view_url=url(row.tenant.short_code, row.xero_id) if row.xero_id else "")
            for row in links]


def _contact_panel_links(links: list[ContactLink]) -> list[PanelLink]:
    rows = _panel_links(links, view_in_xero.contact_url)
    merged = [row for row in rows if isinstance(row.link, ContactLink) and row.link.xero_merged_to_id]
    for row in merged:
        assert isinstance(row.link, ContactLink)
        other = ContactLink.objects.filter(tenant_id=row.link.tenant_id, xero_id=row.link.xero_merged_to_id
                                           ).select_related("customer").first()
        if other is not None:
            rows[rows.index(row)] = PanelLink(link=row.link, view_url=row.view_url, merged_into=(
                f"the contact of customer {other.customer.code} ({other.customer.name})"))
    return rows


def _panel_context(context: Context, record: Model, preloaded: dict[int, dict[str, Any]] | None = None
                   ) -> dict[str, Any]:
    kind = record._meta.model_name or ""
    data: dict[str, Any] = {"record": record, "record_kind": kind, "can": context.get("can")}
    if preloaded is not None and record.pk in preloaded:
        data.update(preloaded[record.pk])
    else:
        data["is_active"] = xero_is_active()
        if data["is_active"]:
            data.update(_record_links(record))
            data["disagreements"] = _disagreements(record)
    data["csrf_token"] = context.get("csrf_token")
    request = context.get("request")
    data["return_to"] = request.get_full_path() if request is not None else ""
    return data


def _connection_problems(tenants: Sequence[XeroTenant | None], model: type[SyncLink]) -> list[str]:
    """Why this record's work waits, whatever its link says (a record with no link yet waits too):
    each open incident that holds back its kind in its organisations, as one sentence."""
    problems = []
    for tenant in {t.pk: t for t in tenants if t is not None}.values():
        incident = blocking_incident(tenant, model)
        if incident is not None:
            text = incident_text(incident)
            problems.append(f"Waiting — {text.title}: {text.cause} {text.fix}")
    return problems


def _before_go_live(record: Invoice | CreditNote, target: XeroTenant | None, rows: Sequence[SyncLink]) -> str:
    """Why a released document no push has looked at yet will never be sent: dated before go-live.
    The push's own check, so the panel says what the push will say instead of "the next push sends it"."""
    if rows or target is None or not record.is_released:
        return ""
    go_live_on = go_live_dates(entity_ids=[record.entity_id])[record.entity_id]
    if isinstance(record, CreditNote):
        verdict = credit_note_go_live_verdict(record, go_live_on)
    else:
        verdict = go_live_verdict(go_live_on=go_live_on, dated=record.issued_on)
    return verdict.message.removeprefix("Before go-live — not sent: ") if verdict else ""


def _record_links(record: Model) -> dict[str, Any]:
    if isinstance(record, Entity):
        status = entity_xero_status(record)
        incidents = tenant_incidents(status.tenant) if status.tenant is not None else []
        return {"status": status, "tracking": entity_tracking_state(record),
                "incidents": [incident_banner(incident) for incident in incidents]}
    if isinstance(record, Customer):
        rows = list(ContactLink.objects.filter(customer=record).select_related("tenant").order_by("tenant__name"))
        return {"links": _contact_panel_links(rows), "has_target": bool(tenants_in_use()),
                "connection_problems": _connection_problems([row.tenant for row in rows], ContactLink)}
    if isinstance(record, Invoice):
        invoice_rows = list(InvoiceLink.objects.filter(invoice=record).select_related("tenant")
                            .order_by("tenant__name"))
        target = entity_tenant(record.entity)
        return {"links": _panel_links(invoice_rows, view_in_xero.invoice_url), "has_target": target is not None,
                "before_go_live": _before_go_live(record, target, invoice_rows),
                "connection_problems": _connection_problems(
                    [target, *(row.tenant for row in invoice_rows)], InvoiceLink) if record.is_released else []}
    if isinstance(record, CreditNote):
        credit_rows = list(CreditNoteLink.objects.filter(credit_note=record).select_related("tenant")
                           .order_by("tenant__name"))
        target = entity_tenant(record.entity)
        return {"links": _panel_links(credit_rows, view_in_xero.credit_note_url), "has_target": target is not None,
                "before_go_live": _before_go_live(record, target, credit_rows),
                "connection_problems": _connection_problems(
                    [target, *(row.tenant for row in credit_rows)], CreditNoteLink) if record.is_released else []}
    if isinstance(record, CostOfSalesJournal):
        journal_rows = list(JournalLink.objects.filter(journal=record).select_related("tenant")
                            .order_by("tenant__name"))
        target = entity_tenant(record.entity)
        posted = all(row.status == "synced" for row in journal_rows) and bool(journal_rows)
        return {"links": _panel_links(journal_rows, view_in_xero.journal_url), "has_target": target is not None,
                "connection_problems": [] if posted else _connection_problems(
                    [target, *(row.tenant for row in journal_rows)], JournalLink)}
    return {}


RECONCILED_KINDS = {Invoice: "invoice", Customer: "contact", CostOfSalesJournal: "journal", CreditNote: "credit_note"}


def _disagreements(record: Model) -> list[ReconciliationRow] | int:
    """The badge: what the latest reconciliation found wrong with this record (for an entity, how
    many disagreements its organisation has)."""
    if isinstance(record, Entity):
        tenant = entity_tenant(record)
        return tenant_disagreements(tenant) if tenant is not None else 0
    kind = RECONCILED_KINDS.get(type(record))
    return record_disagreements(kind=kind, bms_id=record.pk) if kind and record.pk else []


@register.inclusion_tag("xero/panel.html", takes_context=True)
def xero_panel(context: Context, record: Model, preloaded: dict[int, dict[str, Any]] | None = None
               ) -> dict[str, Any]:
    """`preloaded`: what xero_entity_panels read for a page of entities (else the panel reads its own)."""
    return _panel_context(context, record, preloaded)


@register.simple_tag
def xero_credit_use_states(credit_note: CreditNote) -> dict[str, Any] | None:
    """The State in Xero column of a credit note's Allocated to invoices and Refunds tables: each
    row's state by id, one read per table; None (no column) when Xero is not the active package."""
    if not xero_is_active():
        return None
    return credit_use_states(credit_note)


@register.simple_tag
def xero_entity_panels(entities: Iterable[Entity]) -> dict[int, dict[str, Any]]:
    """The Xero panels of a page of entities (Admin → Entities' Organisations section) from the same
    reads however many entities are shown: their connections, open incidents, tracking choices and
    latest reconciliations once each; per organisation in Xero (not per entity) its tracking
    categories and each open incident's wording."""
    entities = list(entities)
    if not entities:
        return {}
    if not xero_is_active():
        return {entity.pk: {"is_active": False} for entity in entities}
    statuses = entity_xero_statuses(entities)
    incidents = open_incidents()
    choices = tracking_choices([entity.pk for entity in entities])
    tenants = {status.tenant.pk: status.tenant for status in statuses.values()
               if status.tenant is not None and status.is_connected}
    tracked = {tenant.pk for pk in choices if pk in statuses and (tenant := statuses[pk].tenant) is not None}
    categories = {pk: categories_as_read(tenant) for pk, tenant in tenants.items() if pk in tracked}
    disagreements = {run.tenant_id: run.disagreements for run in reconciliation_latest_completed(list(tenants))}
    banners: dict[int, dict[str, Any]] = {}
    panels: dict[int, dict[str, Any]] = {}
    for entity in entities:
        status = statuses[entity.pk]
        tenant = status.tenant if status.is_connected else None
        held = tenant_incidents(status.tenant, among=incidents) if status.tenant is not None else []
        for incident in held:
            if incident.pk not in banners:
                banners[incident.pk] = incident_banner(incident)
        panels[entity.pk] = {
            "is_active": True, "status": status,
            "tracking": tracking_state_of(entity, choices=choices.get(entity.pk, []), tenant=tenant,
                                          categories=categories.get(tenant.pk) if tenant is not None else None),
            "incidents": [banners[incident.pk] for incident in held],
            "disagreements": disagreements.get(tenant.pk, 0) if tenant is not None else 0,
        }
    return panels


@register.simple_tag
def xero_entity_summaries(entities: Iterable[Entity]) -> dict[int, dict[str, Any]]:
    """For the Entities grid, one read for the page: each entity's Xero Authenticated? and
    Authenticated By, by entity id."""
    entities = list(entities)
    if not xero_is_active():
        return {entity.pk: _NOT_AUTHENTICATED for entity in entities}
    return {pk: _summary(status) for pk, status in entity_xero_statuses(entities).items()}


_NOT_AUTHENTICATED = {"authenticated": False, "label": "No", "by": "—"}


def _summary(status: EntityXeroStatus) -> dict[str, Any]:
    grant = status.grant
    if grant is None:  # not connected
        return _NOT_AUTHENTICATED
    incidents = tenant_incidents(status.tenant) if status.tenant is not None else []
    if incidents:  # what Xero refused, by what fixes it: "Organisation disconnected", "Xero user not permitted"…
        label = " · ".join(dict.fromkeys(incident_text(incident).title for incident in incidents))
    else:
        label = "Needs re-authentication" if status.needs_reauthentication else "Yes"
    if status.is_inherited:
        label += " (inherited)"
    return {
        "authenticated": not incidents and not status.needs_reauthentication,
        "label": label,
        "by": grant.authenticated_by_name or grant.authenticated_by_email or grant.xero_user_id,
    }


@register.simple_tag
def xero_last_pushes(records: Iterable[Model]) -> dict[int, str]:
    """The Last Push column of a list page, one query for the page: when each record last reached
    Xero (any organisation), by record id; "—" for one that never did."""
    records = list(records)
    shown = {record.pk: "—" for record in records}
    links = getattr(type(records[0]), "xero_links", None) if records else None
    if links is None:
        return shown
    column = links.field.attname  # the link row's column naming the record, e.g. journal_id
    last = (links.field.model.objects.filter(**{f"{column}__in": list(shown)}, last_pushed_at__isnull=False)
            .order_by().values(column).annotate(last=Max("last_pushed_at")).values_list(column, "last"))
    for pk, moment in last:
        shown[pk] = date_format(localtime(moment), "d/m/Y H:i")
    return shown


@register.inclusion_tag("xero/list_actions.html", takes_context=True)
def xero_list_actions(context: Context, kind: str) -> dict[str, Any]:
    """Bulk Xero buttons for a list page ("customers" or "invoices"), when Xero is active."""
    return {"kind": kind, "is_active": xero_is_active(), "can": context.get("can"),
            "csrf_token": context.get("csrf_token")}
