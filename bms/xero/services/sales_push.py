"""What the invoices' and the credit notes' push kinds share (services/invoices.py,
services/credit_notes.py): both are a customer's sales document with lines, sent under its
customer's contact, so both are checked the same way before they are sent — lock date, the
contact's state in Xero, the customer synced, currency, zero-rate tax type, accounts and tax types,
tracking — and both keep Xero's LineItemIDs and compare Xero's totals after the write. A cancelled
one (a void to send) carries no lines and needs no contact, so only the lock date holds it back.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

from bms.billing.models import CreditNote, Invoice
from bms.customers.models import Customer
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import Invoice as XeroInvoice
from bms.xero.client.schemas import Tracking
from bms.xero.client.schemas_credit import CreditNote as XeroCreditNote
from bms.xero.models import ContactLink, LinkStatus, SyncLink, XeroTenant
from bms.xero.services.chart_check import ChartCheck
from bms.xero.services.contact_checks import contact_state_verdict
from bms.xero.services.contacts import contacts_sync
from bms.xero.services.currency_checks import CurrencyCheck
from bms.xero.services.fixes import chart_fix, connection_fix, customer_fix, with_fix
from bms.xero.services.go_live import go_live_dates, go_live_verdict, zero_rate_verdict
from bms.xero.services.invoice_totals import CAUSE_TOTALS_DIFFER, totals_difference
from bms.xero.services.tracking_check import TrackingCheck
from bms.xero.sync.log import SyncLog
from bms.xero.sync.push import PushKind, Verdict, lock_date_verdict

D = TypeVar("D", Invoice, CreditNote)  # the BMS document
X = TypeVar("X", XeroInvoice, XeroCreditNote)  # Xero's copy of it


class SalesDocumentPush(PushKind[D, X]):
    noun: ClassVar[str]  # in messages: "invoice", "credit note"

    def __init__(self, *, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog, chart: ChartCheck,
                 documents: Sequence[D], tracking: TrackingCheck | None = None):
        super().__init__(tenant=tenant, client=client, log=log)
        self.chart = chart
        self.tracking = tracking or TrackingCheck(client, tenant)
        self.tracking_of: dict[int, list[Tracking]] = {}  # document pk → its lines' Tracking, from the check
        links = ContactLink.objects.filter(tenant=tenant, customer_id__in={d.customer_id for d in documents})
        # customer pk → Xero ContactID, for the customers Xero already holds
        self.contacts: dict[int, str] = {
            customer_id: xero_id for customer_id, xero_id
            in links.filter(status=LinkStatus.SYNCED).values_list("customer_id", "xero_id") if xero_id}
        self.failed_contacts = set(links.filter(status=LinkStatus.FAILED).values_list("customer_id", flat=True))
        # What Xero holds of each contact (services/contact_status.py read it just before this run).
        self.contact_states: dict[int, tuple[str, str]] = {
            customer_id: (status, merged) for customer_id, status, merged
            in links.values_list("customer_id", "xero_contact_status", "xero_merged_to_id")}
        self.currencies = CurrencyCheck(tenant=tenant, client=client)
        self.go_live = go_live_dates(entity_ids={d.entity_id for d in documents})
        self.differing: set[int] = set()  # written, but Xero's totals are not BMS's: not Processed

    @abstractmethod
    def cancelled(self, record: D) -> bool:
        """A void to send: no lines, no contact needed."""

    def label(self, record: D) -> str:
        return f"{self.noun.capitalize()} {record.display_number}"

    def is_current(self, link: SyncLink, record: D) -> bool:
        # A DIFFERS document is in Xero as written; only a change in BMS (the repair) sends it again.
        return link.status in (LinkStatus.SYNCED, LinkStatus.DIFFERS) and link.revision_pushed >= record.revision

    def checks(self) -> Sequence[Callable[[D, SyncLink], Verdict | None]]:
        """The pre-send checks (PushKind.check runs them; so does Check against Xero). A new check is
        one small method, pure given the reference data read once per run, added to this list."""
        return (self.check_go_live, self.check_lock_date, self.check_contact_state, self.check_customer,
                self.check_currency, self.check_zero_rate, self.check_chart, self.check_tracking)

    def check_go_live(self, record: D, link: SyncLink) -> Verdict | None:
        if link.xero_id:  # one Xero already holds (e.g. a void to send) is never held back by the date
            return None
        return go_live_verdict(go_live_on=self.go_live.get(record.entity_id), dated=record.issued_on)

    def check_lock_date(self, record: D, link: SyncLink) -> Verdict | None:
        return lock_date_verdict(self.tenant, record.issued_on, then="sync again")

    def check_contact_state(self, record: D, link: SyncLink) -> Verdict | None:
        """The customer's contact archived, under a GDPR request or merged in Xero (as last read by
        services/contact_status.py); a void or delete still goes, it needs no contact."""
        if self.cancelled(record):
            return None
        status, merged_to = self.contact_states.get(record.customer_id, ("", ""))
        return contact_state_verdict(customer_code=record.customer.code, customer_id=record.customer_id,
                                     xero_contact_status=status, xero_merged_to_id=merged_to)

    def check_customer(self, record: D, link: SyncLink) -> Verdict | None:
        code = record.customer.code
        if record.customer_id in self.failed_contacts:
            return Verdict.fail(f"Customer {code} could not be synced to Xero; fix the customer (see its Xero "
                                "Integration panel), then sync again.", f"customer {code} not synced",
                                fix=customer_fix(record.customer_id))
        if record.customer_id not in self.contacts:
            # Its customer's contact is still on its way (no answer from Xero yet): not a failure.
            return Verdict.wait(f"Waiting for customer {code} to reach Xero; the {self.noun} goes with the next "
                                "push.", f"customer {code} not in Xero yet")
        return None

    def check_currency(self, record: D, link: SyncLink) -> Verdict | None:
        """One of the organisation's currencies (services/currency_checks.py)."""
        return None if self.cancelled(record) else self.currencies.verdict(record.currency)

    def check_zero_rate(self, record: D, link: SyncLink) -> Verdict | None:
        if self.cancelled(record):
            return None
        return with_fix(zero_rate_verdict(tenant=self.tenant, has_untaxed_lines=any(
            line.tax_rate is None for line in record.lines.all())), connection_fix(record.entity_id))

    def check_chart(self, record: D, link: SyncLink) -> Verdict | None:
        if self.cancelled(record):
            return None
        problems = []
        for line in record.lines.all():
            problems.append(self.chart.account_problem(line.account.code))
            tax_type = line.tax_rate.xero_tax_type if line.tax_rate is not None else self.tenant.zero_rate_tax_type
            problems.append(self.chart.tax_problem(tax_type))
        found = list(dict.fromkeys(problem for problem in problems if problem))
        if found:
            return Verdict.fail(f"Not sent: {'; '.join(found)}. Fix the account or tax rate, then sync again.",
                                found[0], fix=chart_fix())
        return None

    def check_tracking(self, record: D, link: SyncLink) -> Verdict | None:
        if self.cancelled(record):
            return None  # a void or delete carries no lines
        verdict, self.tracking_of[record.pk] = self.tracking.verdict(record.entity)
        return verdict

    def written_fields(self, record: D, link: SyncLink, result: X | None, number: str | None) -> dict[str, Any]:
        """What every write's answer sets on the link: Xero's number, its LineItemIDs by BMS line
        (Xero answers with the lines in the order they were sent) and its status (a void's answer
        confirms it: "Void pending" → "Voided in Xero" on the panel)."""
        xero_lines = result.line_items or [] if result is not None else []
        bms_lines = list(record.lines.all())
        line_ids = ({str(line.pk): xl.line_item_id for line, xl in zip(bms_lines, xero_lines, strict=True)
                     if xl.line_item_id} if len(xero_lines) == len(bms_lines) else {})
        line_item_ids = getattr(link, "line_item_ids", None)
        status = result.status if result is not None and result.status else getattr(link, "xero_status", "")
        return {"xero_number": number or record.display_number, "line_item_ids": line_ids or line_item_ids,
                "xero_status": status}

    def totals_checked(self, record: D, result: X, fields: dict[str, Any]) -> dict[str, Any]:
        """Xero's totals against BMS's: a difference holds the document as Differs, not Processed
        (Xero's copy stays as written; the reconciliation offers the repairs)."""
        difference = totals_difference(record, result)
        if difference:
            self.differing.add(record.pk)
            fields.update(status=LinkStatus.DIFFERS, last_error=difference, error_cause=CAUSE_TOTALS_DIFFER)
            self.log.warning(difference, record=self.label(record), cause=CAUSE_TOTALS_DIFFER)
        return fields


def sync_missing_contacts(tenant: XeroTenant, documents: Sequence[Invoice | CreditNote],
                          client: XeroAccountingClient, log: SyncLog) -> None:
    """Contacts first, for customers this tenant has not linked yet."""
    customers: dict[int, Customer] = {document.customer_id: document.customer for document in documents}
    synced = set(ContactLink.objects.filter(tenant=tenant, customer_id__in=customers, status=LinkStatus.SYNCED)
                 .values_list("customer_id", flat=True))
    missing = [customer for pk, customer in customers.items() if pk not in synced]
    if missing:
        outcome = contacts_sync(tenant=tenant, customers=missing, client=client, log=log)
        log.info(f"Customers synced on the way: {outcome.summary()}.")
