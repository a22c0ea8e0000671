"""Payments entered in BMS before the entity was connected → Xero payments (PRODUCT.md §3.8).

Once connected, Xero owns receipts. The one exception is history that is also sent: an invoice
dated on or after the go-live date that BMS settled before connecting goes to Xero AUTHORISED, and
its BMS payments follow it as Xero payments (PUT /Payments, summarizeErrors=false) to the account
chosen on Connect, so Xero shows it PAID instead of owed. The push engine makes each one exactly
once: the intent is committed with a deterministic Idempotency-Key before the call, and a payment
whose answer was lost is looked up among the invoice's payments (by the BMS reference it carries)
before anything is sent again. A PaymentLink then ties the two, so the payments pull recognises
the payment coming back as the same one and counts it once (services/pull_apply.py).

This needs the `accounting.payments` scope, asked for only when such payments exist. What this
kind shares with refunds sent after their credit note (the checks, the payload, the link that makes
the pull count it once) is in services/cash_push.py.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from bms.billing.models import Payment, PaymentSource
from bms.core.text import counted
from bms.entities.models import Entity
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import InvoiceRef
from bms.xero.client.schemas import Payment as XeroPayment
from bms.xero.models import InvoiceLink, LinkStatus, PaymentLink, PaymentSendLink, SyncLink, XeroTenant
from bms.xero.selectors import entities_for_tenant
from bms.xero.services.cash_push import CashPush
from bms.xero.sync.link_rows import failed_sends_make_due
from bms.xero.sync.log import SyncLog, SyncOutcome
from bms.xero.sync.push import Refusal, push

LOOKUP_SIZE = 20  # invoice ids per look-up: the where filter travels in the URL
TAG = "BMS-PAY"


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
    """Those whose invoice Xero holds, not yet sent; a failed one only once made due again (its invoice's
    Sync Invoice with Xero, Re-send failed records), never by the schedule."""
    in_xero = InvoiceLink.objects.filter(tenant=tenant, invoice=OuterRef("invoice_id"), xero_id__isnull=False,
                                         status=LinkStatus.SYNCED)
    done = PaymentSendLink.objects.filter(tenant=tenant, payment=OuterRef("pk"),
                                          status__in=[LinkStatus.SYNCED, LinkStatus.FAILED])
    return (settled_before_connect(entities_for_tenant(tenant)).filter(Exists(in_xero)).exclude(Exists(done))
            .select_related("invoice__entity").order_by("pk"))


def payments_make_due(*, tenant_id: int, payment_ids: list[int]) -> list[int]:
    """Re-send failed records: these payments' failed sends become due again, under a fresh key;
    their invoices, whose push sends them."""
    failed_sends_make_due(PaymentSendLink, tenant_id=tenant_id, payment_id__in=payment_ids)
    return sorted(set(Payment.objects.filter(pk__in=payment_ids).values_list("invoice_id", flat=True)))


class PaymentPush(CashPush[Payment]):
    kind = "payment"
    what = "payments"
    link_model: ClassVar[type[SyncLink]] = PaymentSendLink
    record_field = "payment"
    tag, one, document = TAG, "payment", "invoice"
    entered = "payments entered in BMS before connecting"
    pulled_model = PaymentLink
    document_field, document_link_model = "invoice", InvoiceLink

    def label(self, record: Payment) -> str:
        return f"Payment of {record.amount} on {record.invoice.display_number}"

    def document_ref(self, xero_id: str) -> dict[str, Any]:
        return {"invoice": InvoiceRef(invoice_id=xero_id)}

    def lookup(self, records: list[Payment]) -> dict[int, XeroPayment | Refusal]:
        """The invoice's payments in Xero (OR on Invoice.InvoiceID is an optimised filter, xero-notes
        §7), matched by the BMS reference each payment carries."""
        found: dict[int, XeroPayment | Refusal] = {}
        by_invoice = self.by_document(records)
        ids = sorted(by_invoice)
        for start in range(0, len(ids), LOOKUP_SIZE):
            where = " OR ".join(f'Invoice.InvoiceID==guid("{i}")' for i in ids[start:start + LOOKUP_SIZE])
            for item in self.client.get_payments(where=where).items:
                candidates = by_invoice.get(item.invoice.invoice_id or "", []) if item.invoice else []
                for payment in candidates:
                    if item.status != "DELETED" and self.is_ours(item.reference, payment):
                        found[payment.pk] = item
        return found


def payments_send_settled(*, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog,
                          outcome: SyncOutcome | None = None) -> SyncOutcome:
    """Send every due payment of this tenant (after its invoices, in the same run)."""
    records = list(payments_due_for_send(tenant))
    if not records:
        return outcome or SyncOutcome()
    log.info(f"{counted(len(records), 'payment')} entered in BMS before connecting go to Xero.")
    return push(PaymentPush(tenant=tenant, client=client, log=log, records=records), records,
                outcome=outcome)
