"""Check against Xero (issue #16 item 6): every pre-send check, for every record a push would send
now — customers, invoices, credit notes, journals — with NOTHING written to Xero, and no link row
touched.

Each kind's adapter is built exactly as its push builds it, on a read-only client, and previewed
(sync/dry_run.py), so a check added to an adapter's `checks()` is in this report the moment it is
in the push. Reference data (the organisation and its lock dates, accounts, tax rates, whatever
the adapters read) is read through the rate limiter like any other call.

    report = check_against_xero(tenant=tenant, entities=[entity], log=log)
    report.summary()  # "12 records checked: 9 ready, 3 would be held, 0 would wait"
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import models
from django.utils import timezone

from bms.billing.models import CreditNote, Invoice
from bms.entities.models import Entity
from bms.jobs.models import Job
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.errors import RetryableError
from bms.xero.models import ContactLink, LinkStatus, SyncLink, XeroCheck, XeroTenant
from bms.xero.selectors import (
    credit_notes_due_for_push,
    customers_due_for_sync,
    entities_for_tenant,
    invoices_due_for_push,
    journals_due_for_push,
)
from bms.xero.services.chart_check import ChartCheck
from bms.xero.services.check_report import CheckReport, report_build
from bms.xero.services.contact_status import contact_states_read
from bms.xero.services.contacts import ContactPush
from bms.xero.services.credit_notes import CreditNotePush, credit_notes_for_push
from bms.xero.services.invoices import InvoicePush, invoices_for_push
from bms.xero.services.journals import JournalPush, journals_for_push
from bms.xero.services.tracking_check import TrackingCheck
from bms.xero.sync.dry_run import Finding, Outcome, preview
from bms.xero.sync.log import SyncLog
from bms.xero.sync.run import WaitForXeroError, tenant_read_reference
from bms.xero.sync.tenant_client import accounting_client

KINDS = ("customers", "invoices", "credit_notes", "journals")
_READY = (Outcome.SEND, Outcome.LINK, Outcome.FOUND)


def entities_in_scope(entity: Entity, tenant: XeroTenant) -> list[Entity]:
    """The entity and its branches that post to the same organisation through it."""
    return [e for e in entities_for_tenant(tenant) if e.pk == entity.pk or e.organisation_id == entity.pk]


def check_against_xero(
    *, tenant: XeroTenant, entities: Sequence[Entity], log: SyncLog, kinds: Sequence[str] = KINDS,
    job: Job | None = None,
) -> CheckReport:
    """Preview the push of `kinds` for these entities' records to `tenant`; the report is kept
    (XeroCheck) for the entity's screen. Raises WaitForXeroError when Xero's limit or an outage
    stops the reads, AuthError when the connection needs re-authentication."""
    with accounting_client(tenant, job_id=job.pk if job else None, read_only=True) as client:
        try:
            # Today's lock dates, not an hour-old copy; the tracking categories come with them.
            _, categories = tenant_read_reference(tenant=tenant, client=client)
            findings = _findings(tenant=tenant, entities=entities, kinds=kinds, client=client, log=log,
                                 tracking=TrackingCheck(client, tenant, categories))
        except RetryableError as exc:
            raise WaitForXeroError.after(exc) from None
    now = timezone.now()
    report = report_build(organisation=tenant.name, scope=", ".join(e.name for e in entities),
                          checked_at=now.isoformat(), findings=findings)
    for entity in entities[:1]:  # kept against the entity the check was asked for
        XeroCheck.objects.create(entity=entity, tenant=tenant, job=job, checked_at=now, report=report.as_json())
    return report


def _findings(*, tenant: XeroTenant, entities: Sequence[Entity], kinds: Sequence[str],
              client: XeroAccountingClient, log: SyncLog, tracking: TrackingCheck) -> list[Finding]:
    entity_ids = [e.pk for e in entities]
    due: dict[str, list[Any]] = {
        "customers": list(customers_due_for_sync(tenant, include_failed=True)) if "customers" in kinds else [],
        "invoices": invoices_for_push(invoices_due_for_push(tenant, include_failed=True)
                                      .filter(entity_id__in=entity_ids)) if "invoices" in kinds else [],
        "credit_notes": credit_notes_for_push(credit_notes_due_for_push(tenant, include_failed=True)
                                              .filter(entity_id__in=entity_ids)) if "credit_notes" in kinds else [],
        "journals": journals_for_push(journals_due_for_push(tenant, include_failed=True)
                                      .filter(entity_id__in=entity_ids)) if "journals" in kinds else [],
    }
    log.set_total(sum(len(records) for records in due.values()))
    chart = ChartCheck(client)  # read once, shared by invoices, credit notes and journals, as one push run would
    # The linked contacts' status as Xero holds it now (a push reads it too), kept in memory only.
    states = contact_states_read(tenant=tenant, client=client, customer_ids={c.pk for c in due["customers"]} | {
        document.customer_id for document in due["invoices"] + due["credit_notes"]})
    contacts = ContactPush(tenant=tenant, client=client, log=log)
    findings = _previewed(contacts, due["customers"], log, adjust=_with_states(states))
    if due["invoices"]:
        findings += _documents_previewed(InvoicePush(
            tenant=tenant, client=client, log=log, chart=chart, invoices=due["invoices"], tracking=tracking),
            due["invoices"], contacts=contacts, states=states, findings=findings, log=log)
    if due["credit_notes"]:  # their allocations have no pre-send check: they wait for their two documents
        findings += _documents_previewed(CreditNotePush(
            tenant=tenant, client=client, log=log, chart=chart, credit_notes=due["credit_notes"], tracking=tracking),
            due["credit_notes"], contacts=contacts, states=states, findings=findings, log=log)
    if due["journals"]:
        journals = JournalPush(tenant=tenant, client=client, log=log, chart=chart, tracking=tracking)
        findings += _previewed(journals, due["journals"], log)
    return findings


def _documents_previewed(documents: InvoicePush | CreditNotePush, records: Sequence[Invoice | CreditNote], *,
                         contacts: ContactPush, states: dict[int, tuple[str, str]], findings: list[Finding],
                         log: SyncLog) -> list[Finding]:
    """Invoices or credit notes, judged with their contacts' status read now and as if the customers
    Xero lacks had gone first (a push sends those on the way)."""
    documents.contact_states.update(states)
    _assume_contacts_sent(documents, contacts, records, findings, adjust=_with_states(states))
    return _previewed(documents, list(records), log)


def _with_states(states: dict[int, tuple[str, str]]) -> Callable[[SyncLink], None]:
    """A contact link as a push would hold it after reading the contact's status (in memory only)."""
    def adjust(link: SyncLink) -> None:
        if isinstance(link, ContactLink) and link.customer_id in states:
            link.xero_contact_status, link.xero_merged_to_id = states[link.customer_id]
    return adjust


def _previewed(adapter: Any, records: list[models.Model], log: SyncLog,
               adjust: Callable[[SyncLink], None] | None = None) -> list[Finding]:
    findings = preview(adapter, records, adjust=adjust) if records else []
    for finding in findings:
        if finding.outcome == Outcome.HOLD:
            log.error(finding.message, record=finding.record, cause=finding.cause[:255])
        elif finding.outcome == Outcome.WAIT:
            log.warning(finding.message, record=finding.record, cause=finding.cause[:255])
    log.advance(len(records))
    return findings


def _assume_contacts_sent(documents: InvoicePush | CreditNotePush, contacts: ContactPush,
                          records: Sequence[Invoice | CreditNote], findings: list[Finding], *,
                          adjust: Callable[[SyncLink], None]) -> None:
    """A push syncs the customers Xero lacks before their invoices (or credit notes): judge each
    document as if its customer's contact had gone as previewed — sent or linked (the document is
    then checked on), or held (it waits on its customer, as the push would hold it)."""
    synced = set(ContactLink.objects.filter(tenant=documents.tenant, status=LinkStatus.SYNCED,
                                            customer_id__in={i.customer_id for i in records})
                 .values_list("customer_id", flat=True))
    missing = {i.customer_id: i.customer for i in records if i.customer_id not in synced}
    previewed = {f.record_id: f for f in findings if f.kind == contacts.kind}
    unseen = [customer for pk, customer in missing.items() if pk not in previewed]
    previewed.update({f.record_id: f for f in (preview(contacts, unseen, adjust=adjust) if unseen else [])})
    for customer_id in missing:
        finding = previewed.get(customer_id)
        if finding is None or finding.outcome in _READY:
            documents.contacts[customer_id] = finding.xero_id if finding else ""
            documents.failed_contacts.discard(customer_id)
        elif finding.outcome == Outcome.HOLD:
            documents.failed_contacts.add(customer_id)
