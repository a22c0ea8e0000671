"""Refunds entered in BMS before their credit note reached Xero → Xero payments on the credit note.

BMS takes a refund of credit only while Xero does not hold the credit note (billing/services/credits.py
`refund_record`); once it does, Xero owns its refunds and they come back with the pull. A refund
entered before then follows its credit note: after the credit note is in Xero, AUTHORISED, and after
its allocations (credit_allocations.py), it goes as PUT /Payments with CreditNote {CreditNoteID} to the
account chosen on Connect, which Xero records as an ARCREDITPAYMENT lowering RemainingCredit — so both
sides show the same credit left. A reversed one is not sent. Exactly once, as payments entered before
connecting go (cash_push.py, through the push engine): a refund whose answer was lost is looked up by
its reference (`BMS-REF-<id>`) among the credit note's Payments before anything is sent again, and a
RefundLink then tells the credit notes pull it is the same refund (credit_notes_pull.py `_refunds`).
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.db.models import Exists, OuterRef, QuerySet

from bms.billing.models import CreditSource, Refund
from bms.core.text import counted
from bms.entities.models import Entity
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import CreditNoteRef
from bms.xero.client.schemas import Payment as XeroPayment
from bms.xero.models import CreditNoteLink, LinkStatus, RefundLink, RefundSendLink, SyncLink, XeroTenant
from bms.xero.selectors import entities_for_tenant
from bms.xero.services.cash_push import CashPush, is_reference_of
from bms.xero.sync.link_rows import failed_sends_make_due
from bms.xero.sync.log import SyncLog, SyncOutcome
from bms.xero.sync.push import Refusal, push

TAG = "BMS-REF"


def refunds_before_send(entities: QuerySet[Entity] | list[Entity]) -> QuerySet[Refund]:
    """Live refunds entered in BMS on these entities' credit notes that Xero does not hold yet."""
    return (Refund.objects.filter(credit_note__entity__in=entities, source=CreditSource.BMS, reversed_at__isnull=True)
            .exclude(Exists(RefundLink.objects.filter(refund=OuterRef("pk")))))


def entity_refunded_credit_note_count(*, entity: Entity, since: date) -> int:
    """How many credit notes dated on or after `since` have refunds entered in BMS that go to Xero."""
    return (refunds_before_send([entity]).filter(credit_note__issued_on__gte=since)
            .values("credit_note_id").distinct().count())


def refunds_due_for_send(tenant: XeroTenant) -> QuerySet[Refund]:
    """Those whose credit note Xero holds, not yet sent (or refused since)."""
    in_xero = CreditNoteLink.objects.filter(tenant=tenant, credit_note=OuterRef("credit_note_id"),
                                            xero_id__isnull=False, status=LinkStatus.SYNCED)
    done = RefundSendLink.objects.filter(tenant=tenant, refund=OuterRef("pk"),
                                         status__in=[LinkStatus.SYNCED, LinkStatus.FAILED])
    return (refunds_before_send(entities_for_tenant(tenant)).filter(Exists(in_xero)).exclude(Exists(done))
            .select_related("credit_note__entity").order_by("pk"))


def refunds_make_due(*, tenant_id: int, refund_ids: list[int]) -> list[int]:
    """Re-send failed records: these refunds' failed sends become due again, under a fresh key (Xero
    caches a refusal by key); their credit notes, whose push sends them."""
    failed_sends_make_due(RefundSendLink, tenant_id=tenant_id, refund_id__in=refund_ids)
    return sorted(set(Refund.objects.filter(pk__in=refund_ids).values_list("credit_note_id", flat=True)))


def sent_refund_of(refunds: QuerySet[Refund], reference: str | None) -> Refund | None:
    """The BMS refund a Xero payment's reference names (one we sent), if any of these."""
    tag = f"{TAG}-"
    if not reference or not reference.startswith(tag):
        return None
    pk = reference[len(tag):].split(" ", 1)[0]
    refund = refunds.filter(pk=int(pk)).first() if pk.isdigit() else None
    return refund if refund is not None and is_reference_of(TAG, reference, refund) else None


class RefundPush(CashPush[Refund]):
    kind = "refund"
    what = "refunds"
    link_model: ClassVar[type[SyncLink]] = RefundSendLink
    record_field = "refund"
    tag, one, document = TAG, "refund", "credit note"
    entered = "refunds entered in BMS before their credit note was sent"
    pulled_model = RefundLink
    document_field, document_link_model = "credit_note", CreditNoteLink

    def label(self, record: Refund) -> str:
        return f"Refund of {record.amount} from credit note {record.credit_note.display_number}"

    def document_ref(self, xero_id: str) -> dict[str, Any]:
        return {"credit_note": CreditNoteRef(credit_note_id=xero_id)}

    def lookup(self, records: list[Refund]) -> dict[int, XeroPayment | Refusal]:
        """The credit note's Payments in Xero (GET /CreditNotes/{id}: each with its Reference, as the
        OpenAPI's getCreditNotes example shows), matched by the BMS reference each refund carries."""
        found: dict[int, XeroPayment | Refusal] = {}
        for note_id, refunds in self.by_document(records).items():
            note = self.client.get_credit_note(note_id)
            for item in (note.payments or []) if note is not None else []:
                for refund in refunds:
                    if self.is_ours(item.reference, refund):
                        found[refund.pk] = XeroPayment(payment_id=item.payment_id, amount=item.amount, date=item.date,
                                                       reference=item.reference)
        return found


def refunds_send(*, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog) -> SyncOutcome:
    """Send every due refund of this tenant (after its credit notes and their allocations, same run)."""
    records = list(refunds_due_for_send(tenant))
    if not records:
        return SyncOutcome()
    log.info(f"{counted(len(records), 'refund')} entered in BMS before their credit note was sent go to Xero.")
    return push(RefundPush(tenant=tenant, client=client, log=log, records=records), records)
