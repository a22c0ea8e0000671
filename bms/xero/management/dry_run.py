"""`bms sync customers|invoices|credit_notes|journals --entity CODE --dry-run [--json]`: Check against Xero from the
command line — the same preview and report as the entity's screen (services/check_against_xero.py),
printed grouped by cause, or as JSON. Nothing is sent to Xero; the exit status is 1 when anything
would be held, so a go-live script can stop on it."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from bms.core.errors import DomainError
from bms.core.text import counted
from bms.entities.models import Entity
from bms.xero.client.errors import AuthError, XeroError
from bms.xero.management.targets import connected_tenants, entity_with_tenant
from bms.xero.models import XeroTenant
from bms.xero.selectors import entities_for_tenant
from bms.xero.services.check_against_xero import check_against_xero, entities_in_scope
from bms.xero.services.check_report import CheckReport, report_lines
from bms.xero.sync.log import CollectingLog
from bms.xero.sync.run import WaitForXeroError, tenant_time_zone

PREVIEWED = ("customers", "invoices", "credit_notes", "journals")


def _targets(entity_code: str | None) -> list[tuple[XeroTenant, list[Entity]]]:
    if entity_code is None:
        return [(tenant, entities_for_tenant(tenant)) for tenant in connected_tenants()]
    entity, tenant = entity_with_tenant(entity_code)
    return [(tenant, entities_in_scope(entity, tenant))]


def _checked(tenant: XeroTenant, entities: list[Entity], what: str) -> CheckReport:
    try:
        return check_against_xero(tenant=tenant, entities=entities, log=CollectingLog(), kinds=(what,))
    except WaitForXeroError as exc:
        raise CommandError(f"{exc.describe(tenant_time_zone(tenant))}; run again later.") from None
    except AuthError as exc:
        raise CommandError(f"{tenant.name} needs re-authentication: {exc.message}") from None
    except (XeroError, DomainError) as exc:
        raise CommandError(f"Check against {tenant.name} stopped: {exc.message}") from None


def dry_run_command(command: BaseCommand, *, what: str, entity_code: str | None, as_json: bool) -> None:
    if what not in PREVIEWED:
        raise CommandError(f"--dry-run checks what a push would send: {', '.join(PREVIEWED)} (not {what}).")
    reports = [_checked(tenant, entities, what) for tenant, entities in _targets(entity_code)]
    if as_json:
        payload: list[dict[str, Any]] = [report.as_json() | {"summary": report.summary()} for report in reports]
        command.stdout.write(json.dumps(payload, indent=2))
    else:
        for report in reports:
            for number, line in enumerate(report_lines(report)):
                style = command.style.ERROR if line.startswith("  held") else (
                    command.style.SUCCESS if number == 0 else (lambda text: text))
                command.stdout.write(style(line))
    held = sum(report.held for report in reports)
    if held:
        raise CommandError(f"{counted(held, 'record')} would be held; see the causes above. Nothing was sent to Xero.")
