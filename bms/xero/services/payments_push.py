"""Payments entered in BMS before the entity was connected → Xero payments (PRODUCT.md §3.8).

Once connected, Xero owns receipts. The one exception is history that is also sent: an invoice
dated on or after the go-live date that BMS settled before connecting goes to Xero AUTHORISED, and
its BMS payments follow it as Xero payments (PUT /Payments, summarizeErrors=false) to the account
chosen on Connect, so Xero shows it PAID instead of owed. The push engine makes each one exactly
once: the intent is committed with a deterministic Idempotency-Key before the call, and a payment
whose answer was lost is looked up among the invoice's payments (by the BMS reference it carries)
before anything is sent again. A PaymentLink then ties the two, so the payments pull recognises
the payment coming back as the same one and counts it once (services/pull_apply.py).

This needs the `accounting.payments` scope, asked for only when such payments exist.
"""

from __future__ import annotations

from typing import ClassVar

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from bms.billing.models import Payment, PaymentSource
from bms.core.text import counted
from bms.entities.models import Entity
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import AccountRef, InvoiceRef
from bms.xero.client.schemas import Payment as XeroPayment
from bms.xero.models import InvoiceLink, LinkStatus, PaymentLink, PaymentSendLink, SyncLink, XeroTenant
from bms.xero.selectors import entities_for_tenant
from bms.xero.sync.log import SyncLog, SyncOutcome
from bms.xero.sync.push import PushKind, Refusal, Verdict, lock_date_verdict, push

PAYMENTS_SCOPE = "accounting.payments"
LOOKUP_SIZE = 20  # invoice ids per look-up: the where filter travels in the URL
CAUSE_NO_SCOPE = "needs Xero's accounting.payments permission"
CAUSE_NO_ACCOUNT = "no payments account chosen"


def payment_reference(payment: Payment) -> str:
    """What the Xero payment carries, so one whose answer was lost can be found again."""
    tag = f"BMS-PAY-{payment.pk}"
    return f"{tag} {payment.reference}"[:255] if payment.reference else tag


def _is_reference_of(reference: str | None, payment: Payment) -> bool:
    tag = f"BMS-PAY-{payment.pk}"
    return bool(reference) and (reference == tag or (reference or "").startswith(tag + " "))


def settled_before_connect(entities: QuerySet[Entity] | list[Entity]) -> QuerySet[Payment]:
    """Live payments entered in BMS on invoices of these entities dated on or after their go-live
    date, that Xero does not hold yet."""
    # A branch without a date of its own has its organisation's.
    go_live = Coalesce("invoice__entity__xero_connection__go_live_on",
                       "invoice__entity__organisation__xero_connection__go_live_on")
    return (Payment.objects.filter(invoice__entity__in=entities, source=PaymentSource.MANUAL, reversed_at__isnull=True)
            .alias(go_live_on=go_live)
            .filter(Q(go_live_on__isnull=True) | Q(invoice__issued_on__gte=F("go_live_on")))
            .exclude(Exists(PaymentLink.objects.filter(payment=OuterRef("pk")))))


def entity_settled_invoice_count(*, entity: Entity, since: object) -> int:
    """How many invoices dated on or after `since` BMS settled before connecting (the Connect form)."""
    return (Payment.objects.filter(invoice__entity=entity, source=PaymentSource.MANUAL, reversed_at__isnull=True,
                                   invoice__issued_on__gte=since)
            .exclude(Exists(PaymentLink.objects.filter(payment=OuterRef("pk"))))
            .values("invoice_id").distinct().count())


def payments_due_for_send(tenant: XeroTenant) -> QuerySet[Payment]:
    """Those whose invoice Xero holds, not yet sent (or refused since their last change)."""
    in_xero = InvoiceLink.objects.filter(tenant=tenant, invoice=OuterRef("invoice_id"), xero_id__isnull=False,
                                         status=LinkStatus.SYNCED)
    done = PaymentSendLink.objects.filter(tenant=tenant, payment=OuterRef("pk"),
                                          status__in=[LinkStatus.SYNCED, LinkStatus.FAILED])
    return (settled_before_connect(entities_for_tenant(tenant)).filter(Exists(in_xero)).exclude(Exists(done))
            .select_related("invoice__entity").order_by("pk"))


class PaymentPush(PushKind[Payment, XeroPayment]):
    kind = "payment"
    what = "payments"
    link_model: ClassVar[type[SyncLink]] = PaymentSendLink
    record_field = "payment"

    def __init__(self, *, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog, payments: list[Payment]):
        super().__init__(tenant=tenant, client=client, log=log)
        links = InvoiceLink.objects.filter(tenant=tenant, invoice_id__in={p.invoice_id for p in payments})
        self.invoices: dict[int, InvoiceLink] = {link.invoice_id: link for link in links}
        grant = tenant.grant
        self.has_scope = grant is not None and PAYMENTS_SCOPE in (grant.scopes or "").split()

    def label(self, record: Payment) -> str:
        return f"Payment of {record.amount} on {record.invoice.display_number}"

    def revision(self, record: Payment) -> int:
        return 0  # payments are immutable in Xero: create, or delete, never edit

    def is_current(self, link: SyncLink, record: Payment) -> bool:
        return link.status == LinkStatus.SYNCED

    def lookup(self, records: list[Payment]) -> dict[int, XeroPayment | Refusal]:
        """The invoice's payments in Xero (OR on Invoice.InvoiceID is an optimised filter, xero-notes
        §7), matched by the BMS reference each payment carries."""
        found: dict[int, XeroPayment | Refusal] = {}
        by_invoice: dict[str, list[Payment]] = {}
        for payment in records:
            xero_id = self.invoices[payment.invoice_id].xero_id if payment.invoice_id in self.invoices else None
            if xero_id:
                by_invoice.setdefault(xero_id, []).append(payment)
        ids = sorted(by_invoice)
        for start in range(0, len(ids), LOOKUP_SIZE):
            where = " OR ".join(f'Invoice.InvoiceID==guid("{i}")' for i in ids[start:start + LOOKUP_SIZE])
            for item in self.client.get_payments(where=where).items:
                candidates = by_invoice.get(item.invoice.invoice_id or "", []) if item.invoice else []
                for payment in candidates:
                    if item.status != "DELETED" and _is_reference_of(item.reference, payment):
                        found[payment.pk] = item
        return found

    def check(self, record: Payment, link: SyncLink) -> Verdict | None:
        if not self.tenant.payments_account_code:
            return Verdict.fail(
                f"Not sent: no account is chosen for payments entered in BMS before connecting. Choose it on "
                f"Connect Xero Organisation for {record.invoice.entity.name}, then sync again.", CAUSE_NO_ACCOUNT)
        if not self.has_scope:
            return Verdict.wait(
                "Waiting: sending this payment needs Xero's accounting.payments permission. Press Authenticate "
                "with Xero again on the entity (BMS asks for it because such payments exist).", CAUSE_NO_SCOPE)
        invoice_link = self.invoices.get(record.invoice_id)
        if invoice_link is not None and invoice_link.status == LinkStatus.DIFFERS:
            return Verdict.wait("Waiting: Xero's totals for its invoice differ from BMS's; the payment goes once they "
                                "agree (Re-send to Xero on the invoice).", "invoice totals differ in Xero")
        if invoice_link is None or not invoice_link.xero_id or invoice_link.status != LinkStatus.SYNCED:
            return Verdict.wait("Waiting for its invoice to reach Xero.", "invoice not in Xero yet")
        if invoice_link.xero_status not in ("", "AUTHORISED", "PAID"):
            return Verdict.fail(
                f"Not sent: Xero holds the invoice as {invoice_link.xero_status}, and takes payments only on approved "
                "invoices. Approve it in Xero, then sync again.", "invoice not approved in Xero")
        return lock_date_verdict(self.tenant, record.paid_on, then="sync again")

    def element(self, record: Payment, link: SyncLink, *, create: bool) -> XeroPayment:
        return XeroPayment(
            invoice=InvoiceRef(invoice_id=self.invoices[record.invoice_id].xero_id),
            account=AccountRef(code=self.tenant.payments_account_code),
            amount=record.amount, date=record.paid_on, reference=payment_reference(record),
        )

    def send(self, client: XeroAccountingClient, elements: list[XeroPayment], *, create: bool,
             key: str) -> list[XeroPayment]:
        return client.create_payments(elements, idempotency_key=key)

    def xero_id(self, result: XeroPayment) -> str:
        return result.payment_id or ""

    def confirm(self, records: list[Payment]) -> None:
        """Xero holds them: the pull will see them come back and must count each once."""
        sent = PaymentSendLink.objects.filter(tenant=self.tenant, payment__in=records, xero_id__isnull=False)
        PaymentLink.objects.bulk_create(
            [PaymentLink(tenant=self.tenant, xero_payment_id=xero_id, payment_id=payment_id)
             for payment_id, xero_id in sent.values_list("payment_id", "xero_id") if xero_id],
            ignore_conflicts=True,
        )


def payments_send_settled(*, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog,
                          outcome: SyncOutcome | None = None) -> SyncOutcome:
    """Send every due payment of this tenant (after its invoices, in the same run)."""
    records = list(payments_due_for_send(tenant))
    if not records:
        return outcome or SyncOutcome()
    log.info(f"{counted(len(records), 'payment')} entered in BMS before connecting go to Xero.")
    return push(PaymentPush(tenant=tenant, client=client, log=log, payments=records), records,
                outcome=outcome)
