"""BMS data for a scale run, written inside a worker-like process (Django set up on the scale
database): one grant for every sandbox organisation, an entity per organisation, its customers and
its released invoices. Runs through the product's services (a benchmark may pass `fast=True` to
write the invoices in bulk instead of one by one)."""

from __future__ import annotations

from datetime import date

import httpx2
from django.db import transaction
from django.utils import timezone

from bms.billing.models import Invoice, InvoiceLine
from bms.preferences.models import GeneralSettings, IntegrationPackage
from bms.testing import factories as f
from bms.xero.auth.tokens import grant_store_tokens
from bms.xero.client.oauth import TokenSet
from bms.xero.models import EntityXeroConnection, XeroGrant, XeroTenant


def seed(*, sandbox_url: str, tenant_ids: list[str], invoices_per_tenant: int, fast: bool = False) -> None:
    GeneralSettings.objects.update_or_create(pk=1, defaults={"integration_package": IntegrationPackage.XERO})
    tokens = TokenSet.model_validate(httpx2.post(f"{sandbox_url}/_sandbox/grants", json={"tenant_ids": tenant_ids},
                                                 timeout=30).json())
    now = timezone.now()
    grant = XeroGrant(xero_user_id=tokens.xero_user_id, authenticated_at=now, authenticated_by_name="Scale Run")
    grant_store_tokens(grant=grant, tokens=tokens, now=now)
    grant.save()
    for index, tenant_id in enumerate(tenant_ids):
        with transaction.atomic():
            tenant = XeroTenant.objects.create(xero_tenant_id=tenant_id, name=f"Scale Org {index:03d}", grant=grant,
                                               base_currency="AUD", country_code="AU")
            entity = f.entity(f"S{index:03d}", name=f"Scale Entity {index:03d}")
            EntityXeroConnection.objects.create(entity=entity, tenant=tenant, connected_at=now)
            customers = [f.customer(code=f"S{index:03d}C{k}", name=f"Scale Customer {index:03d}-{k}")
                         for k in range(2)]
            if fast:
                _bulk_invoices(entity, customers, invoices_per_tenant)
            else:
                for n in range(invoices_per_tenant):
                    f.approved_invoice(on_entity=entity, for_customer=customers[n % 2], issued_on=date(2026, 4, 23))


def _bulk_invoices(entity, customers, count: int) -> None:
    """The rows `invoice_create` + `invoice_approve` write (one line of 2 × 250.00 + GST 10 %), copied
    in two statements: seeding 20,000 invoices one by one would take longer than the benchmark."""
    template = f.approved_invoice(on_entity=entity, for_customer=customers[0], issued_on=date(2026, 4, 23))
    line = template.lines.get()
    invoices = [Invoice(**{**_values(template), "number": template.number + n, "customer_id": customers[n % 2].pk})
                for n in range(1, count)]
    created = Invoice.objects.bulk_create(invoices)
    InvoiceLine.objects.bulk_create([InvoiceLine(**{**_values(line), "invoice_id": invoice.pk}) for invoice in created])


def _values(row) -> dict:
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields if not field.primary_key}
