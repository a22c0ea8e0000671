"""`tenant_sync(kind=…)`: the one way a sync with one Xero organisation runs, for the background
jobs and for `bms sync` alike — which records are due, under which lease, doing what.

    outcome = tenant_sync(tenant=tenant, kind=SyncKind.INVOICES, log=log)
    outcome.summary()   # "48 created, 0 updated, 0 linked to existing, 2 failed"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import QuerySet

from bms.xero.client.api import XeroAccountingClient
from bms.xero.models import XeroTenant
from bms.xero.selectors import (
    credit_notes_due_for_push,
    customers_due_for_sync,
    invoices_due_for_push,
    journals_due_for_push,
)
from bms.xero.services.chart import chart_sync_from_xero
from bms.xero.services.contacts import contacts_sync
from bms.xero.services.credit_allocations import allocations_due
from bms.xero.services.credit_notes import credit_notes_push
from bms.xero.services.invoices import invoices_push
from bms.xero.services.journals import journals_push
from bms.xero.services.payments import payments_pull
from bms.xero.services.payments_push import payments_due_for_send
from bms.xero.services.refunds_push import refunds_due_for_send
from bms.xero.sync.leases import LeaseKind
from bms.xero.sync.log import SyncLog, SyncOutcome
from bms.xero.sync.run import tenant_run


class SyncKind(StrEnum):
    ACCOUNTS = "accounts"  # the chart of accounts and tax rates, from Xero
    CUSTOMERS = "customers"  # to Xero
    INVOICES = "invoices"  # to Xero
    CREDIT_NOTES = "credit_notes"  # to Xero
    JOURNALS = "journals"  # to Xero
    PAYMENTS = "payments"  # from Xero


Work = Callable[[XeroTenant, list[Any], XeroAccountingClient, SyncLog], SyncOutcome]


@dataclass(frozen=True)
class _Spec:
    lease: LeaseKind
    work: Work
    due: Callable[..., QuerySet[Any]] | None = None  # records to send; None for a pull


SPECS: dict[SyncKind, _Spec] = {
    SyncKind.ACCOUNTS: _Spec(LeaseKind.CHART, lambda tenant, _, client, log: chart_sync_from_xero(client=client)),
    SyncKind.CUSTOMERS: _Spec(LeaseKind.PUSH, lambda tenant, records, client, log: contacts_sync(
        tenant=tenant, customers=records, client=client, log=log), customers_due_for_sync),
    SyncKind.INVOICES: _Spec(LeaseKind.PUSH, lambda tenant, records, client, log: invoices_push(
        tenant=tenant, invoices=records, client=client, log=log), invoices_due_for_push),
    SyncKind.CREDIT_NOTES: _Spec(LeaseKind.PUSH, lambda tenant, records, client, log: credit_notes_push(
        tenant=tenant, credit_notes=records, client=client, log=log), credit_notes_due_for_push),
    SyncKind.JOURNALS: _Spec(LeaseKind.PUSH, lambda tenant, records, client, log: journals_push(
        tenant=tenant, journals=records, client=client, log=log), journals_due_for_push),
    SyncKind.PAYMENTS: _Spec(LeaseKind.PULL, lambda tenant, _, client, log: payments_pull(
        tenant=tenant, client=client, log=log)),
}


def _follow_ups_due(tenant: XeroTenant, kind: SyncKind) -> bool:
    """Payments entered before connecting follow their invoices, allocations and refunds their credit notes, even
    when no invoice or credit note is due now."""
    if kind == SyncKind.INVOICES:
        return payments_due_for_send(tenant).exists()
    return kind == SyncKind.CREDIT_NOTES and (allocations_due(tenant).exists()
                                              or refunds_due_for_send(tenant).exists())


def tenant_sync(
    *, tenant: XeroTenant, kind: SyncKind, log: SyncLog, record_ids: list[int] | None = None,
    include_failed: bool = False, limit: int | None = None, job_id: int | None = None,
) -> SyncOutcome:
    """Run one kind of sync with one organisation now. For a push: the records due (those named by
    `record_ids`, failed ones included; else failed ones only with `include_failed`), at most
    `limit` of them (`has_more` says whether more wait). Raises WaitForXeroError (come back later),
    LeaseBusyError (another run has this organisation) or AuthError (re-authenticate)."""
    spec = SPECS[kind]
    records: list[Any] = []
    outcome_more = False
    if spec.due is not None:
        due = spec.due(tenant, include_failed=include_failed or record_ids is not None)
        if record_ids is not None:
            due = due.filter(pk__in=record_ids)
        records = list(due[: limit + 1] if limit is not None else due)
        if limit is not None and len(records) > limit:
            records, outcome_more = records[:limit], True
        log.set_total(len(records))
        if not records and not _follow_ups_due(tenant, kind):
            return SyncOutcome()
    outcome = tenant_run(tenant=tenant, lease=spec.lease, job_id=job_id,
                         work=lambda client: spec.work(tenant, records, client, log))
    outcome.has_more = outcome_more
    return outcome
