"""Cash BMS recorded before Xero held its document → Xero payments (PUT /Payments), exactly once.

Two kinds go this way: payments on invoices entered before connecting (payments_push.py) and refunds
of credit notes entered before the credit note was sent (refunds_push.py). Once Xero holds the
document it owns its cash, so these are the only ones BMS sends. Both follow their document to Xero,
go to the account chosen on Connect, need the `accounting.payments` scope, and carry a BMS reference
(`BMS-PAY-<id>`, `BMS-REF-<id>`) by which one whose answer was lost is found again before anything is
sent twice. Once Xero holds one, a link of the pulled kind (PaymentLink, RefundLink) ties the two, so
the pull that reads it back counts it once. The push engine (sync/push.py) does the rest.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar, TypeVar

from django.db import models

from bms.billing.models import Payment, Refund
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import AccountRef
from bms.xero.client.schemas import Payment as XeroPayment
from bms.xero.models import LinkStatus, SyncLink, XeroTenant
from bms.xero.sync.log import SyncLog
from bms.xero.sync.push import PushKind, Verdict, lock_date_verdict

PAYMENTS_SCOPE = "accounting.payments"
CAUSE_NO_SCOPE = "needs Xero's accounting.payments permission"
CAUSE_NO_ACCOUNT = "no payments account chosen"


C = TypeVar("C", Payment, Refund)


def cash_reference(tag: str, record: Payment | Refund) -> str:
    """What the Xero payment carries, so one whose answer was lost can be found again."""
    return f"{tag}-{record.pk} {record.reference}"[:255] if record.reference else f"{tag}-{record.pk}"


def is_reference_of(tag: str, reference: str | None, record: Payment | Refund) -> bool:
    mark = f"{tag}-{record.pk}"
    return bool(reference) and (reference == mark or (reference or "").startswith(mark + " "))


class CashPush(PushKind[C, XeroPayment]):
    """A PUT /Payments kind: the subclass names its document (invoice, credit note) and how to find it."""

    tag: ClassVar[str]  # the reference's prefix: "BMS-PAY"
    one: ClassVar[str]  # "payment"
    document: ClassVar[str]  # "invoice"
    entered: ClassVar[str]  # "payments entered in BMS before connecting"
    pulled_model: ClassVar[type[models.Model]]  # PaymentLink: what the pull reads as "already counted"
    document_field: ClassVar[str]  # the record's foreign key to its document: "invoice"
    document_link_model: ClassVar[type[SyncLink]]  # InvoiceLink: the document's sync state

    def __init__(self, *, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog, records: list[C]):
        super().__init__(tenant=tenant, client=client, log=log)
        grant = tenant.grant
        self.has_scope = grant is not None and PAYMENTS_SCOPE in (grant.scopes or "").split()
        field = f"{self.document_field}_id"
        links = self.document_link_model._default_manager.filter(
            tenant=tenant, **{f"{field}__in": {getattr(record, field) for record in records}})
        # document pk → its link: its Xero id, status and xero_status
        self.documents: dict[int, SyncLink] = {getattr(link, field): link for link in links}

    @abstractmethod
    def document_ref(self, xero_id: str) -> dict[str, Any]:
        """The Payment's field naming the document: {"invoice": InvoiceRef(...)}."""

    def document_link(self, record: C) -> SyncLink | None:
        return self.documents.get(getattr(record, f"{self.document_field}_id"))

    def by_document(self, records: list[C]) -> dict[str, list[C]]:
        """The records whose document Xero holds, by its Xero id (what a look-up reads)."""
        grouped: dict[str, list[C]] = {}
        for record in records:
            link = self.document_link(record)
            if link is not None and link.xero_id:
                grouped.setdefault(link.xero_id, []).append(record)
        return grouped

    def entity_name(self, record: C) -> str:
        return str(getattr(record, self.document_field).entity.name)

    def reference(self, record: C) -> str:
        return cash_reference(self.tag, record)

    def is_ours(self, reference: str | None, record: C) -> bool:
        return is_reference_of(self.tag, reference, record)

    def revision(self, record: C) -> int:
        return 0  # payments are immutable in Xero: create, or delete, never edit

    def is_current(self, link: SyncLink, record: C) -> bool:
        return link.status == LinkStatus.SYNCED

    def check(self, record: C, link: SyncLink) -> Verdict | None:
        one, document = self.one, self.document
        if not self.tenant.payments_account_code:
            return Verdict.fail(
                f"Not sent: no account is chosen for {self.entered}. Choose it on Connect Xero Organisation for "
                f"{self.entity_name(record)}, then sync again.", CAUSE_NO_ACCOUNT)
        if not self.has_scope:
            return Verdict.wait(
                f"Waiting: sending this {one} needs Xero's accounting.payments permission. Press Authenticate "
                f"with Xero again on the entity (BMS asks for it because such {one}s exist).", CAUSE_NO_SCOPE)
        doc_link = self.document_link(record)
        if doc_link is not None and doc_link.status == LinkStatus.DIFFERS:
            return Verdict.wait(f"Waiting: Xero's totals for its {document} differ from BMS's; the {one} goes once "
                                f"they agree (Re-send to Xero on the {document}).", f"{document} totals differ in Xero")
        if doc_link is None or not doc_link.xero_id or doc_link.status != LinkStatus.SYNCED:
            return Verdict.wait(f"Waiting for its {document} to reach Xero.", f"{document} not in Xero yet")
        xero_status = getattr(doc_link, "xero_status", "")
        if xero_status not in ("", "AUTHORISED", "PAID"):
            return Verdict.fail(
                f"Not sent: Xero holds the {document} as {xero_status}, and takes {one}s only on approved "
                f"{document}s. Approve it in Xero, then sync again.", f"{document} not approved in Xero")
        return lock_date_verdict(self.tenant, record.paid_on, then="sync again")

    def element(self, record: C, link: SyncLink, *, create: bool) -> XeroPayment:
        doc_link = self.document_link(record)
        assert doc_link is not None and doc_link.xero_id  # the check saw to it
        return XeroPayment(**self.document_ref(doc_link.xero_id),
                           account=AccountRef(code=self.tenant.payments_account_code),
                           amount=record.amount, date=record.paid_on,
                           reference=self.reference(record))

    def send(self, client: XeroAccountingClient, elements: list[XeroPayment], *, create: bool,
             key: str) -> list[XeroPayment]:
        return client.create_payments(elements, idempotency_key=key)

    def xero_id(self, result: XeroPayment) -> str:
        return result.payment_id or ""

    def confirm(self, records: list[C]) -> None:
        """Xero holds them: the pull will see them come back and must count each once."""
        field = self.record_field
        sent = self.link_model._default_manager.filter(tenant=self.tenant, **{f"{field}__in": records},
                                                       xero_id__isnull=False)
        self.pulled_model._default_manager.bulk_create(
            [self.pulled_model(tenant=self.tenant, xero_payment_id=xero_id, **{f"{field}_id": record_id})
             for record_id, xero_id in sent.values_list(f"{field}_id", "xero_id") if xero_id],
            ignore_conflicts=True,
        )
