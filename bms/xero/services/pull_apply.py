"""One invoice's change from Xero, applied alone (PRODUCT.md §3.5, §3.8): its payments, its balance
and what Xero holds of it, in one savepoint. One that cannot be applied fails alone with a message
a finance user can act on and a cause the job log groups by; the rest of the pull lands.

The balance rule, enforced here and nowhere else: once an invoice is in Xero, the payments BMS
lists against it are exactly Xero's payments on it (each one a PaymentLink: pulled from Xero, or
a BMS payment Xero was sent), and its balance is

    BMS total − Σ those payments − Xero's AmountCredited (credit notes, overpayments, prepayments)

which must equal Xero's AmountDue; BMS's balance is that, less BMS credit allocations Xero does not
hold yet (services/credit_allocations.py). Whatever would break that is refused, never papered over: a
BMS payment Xero does not hold ("Paid in BMS before connecting, unpaid in Xero"), totals that
differ, payments above the total, Xero amounts that do not add up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from bms.billing.models import Invoice, InvoiceStatus, Payment, PaymentSource
from bms.billing.services import invoice_set_balance, payment_record, payment_reverse, payment_set_source_details
from bms.core.errors import DomainError
from bms.core.money import ZERO
from bms.core.text import counted
from bms.xero.client.schemas import Invoice as XeroInvoice
from bms.xero.client.schemas import InvoicePayment
from bms.xero.client.schemas import Payment as XeroPayment
from bms.xero.models import InvoiceLink, PaymentLink, XeroTenant
from bms.xero.services.credit_allocations import credit_not_in_xero
from bms.xero.sync.log import SyncLog, SyncOutcome

RECORDED, REVERSED, UPDATED = "payments recorded", "payments reversed", "invoices brought up to date"
VOIDED = "invoices voided or deleted in Xero"
GONE_IN_XERO = ("VOIDED", "DELETED")

CAUSE_PAID_BEFORE_CONNECT = "Paid in BMS before connecting, unpaid in Xero"
CAUSE_TOTALS_DIFFER = "Totals differ between BMS and Xero"
CAUSE_OVERPAID = "Xero's payments exceed BMS's total"
CAUSE_AMOUNTS = "Xero's amounts don't add up"
CAUSE_PAID_BUT_CANCELLED = "Paid in Xero, cancelled in BMS"
CAUSE_REFUSED = "BMS refused Xero's change"
CAUSE_VOIDED = "Voided or deleted in Xero, open in BMS"


class PullRefusal(Exception):
    def __init__(self, message: str, cause: str):
        super().__init__(message)
        self.message, self.cause = message, cause


@dataclass
class _Applied:
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, what: str, note: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1
        self.notes.append(note)


def invoice_apply_from_xero(*, tenant: XeroTenant, link: InvoiceLink, xero: XeroInvoice, outcome: SyncOutcome,
                            log: SyncLog, now: datetime, details: Mapping[str, XeroPayment] | None = None) -> bool:
    """Apply one Xero invoice to its BMS invoice; True when it landed. Never raises for bad data.
    `details`: Xero's payments by PaymentID, for their reference and account (an invoice lists its
    payments with their amount and date only)."""
    record = f"Invoice {link.xero_number or link.invoice.display_number}"
    try:
        with transaction.atomic():
            applied = _apply(tenant, link.invoice_id, xero, now, details or {})
    except (PullRefusal, DomainError) as exc:
        message, cause = (exc.message, exc.cause) if isinstance(exc, PullRefusal) else (
            f"BMS refused Xero's change to {record}: {exc.message}", CAUSE_REFUSED)
        _store_seen(link, xero, now, error=message, cause=cause)
        outcome.failed += 1
        log.error(message, record=record, cause=cause)
        return False
    for note in applied.notes:
        log.info(note, record=record)
    _tell_if_newly_gone(link, xero, outcome, log, record)
    for what, n in applied.counts.items():
        outcome.add(what, n)
    _store_seen(link, xero, now, error="", cause="")
    outcome.add(UPDATED)
    return True


def _tell_if_newly_gone(link: InvoiceLink, xero: XeroInvoice, outcome: SyncOutcome, log: SyncLog,
                        record: str) -> None:
    status = xero.status or ""
    if status in GONE_IN_XERO and link.xero_status != status and link.invoice.status != InvoiceStatus.CANCELLED:
        outcome.add(VOIDED)
        log.warning(f"{status.capitalize()} in Xero; BMS still shows it {link.invoice.get_status_display()}: see "
                    "its Xero Integration panel (Cancel in BMS or Accept).", record=record, cause=CAUSE_VOIDED)


def _apply(tenant: XeroTenant, invoice_id: int, xero: XeroInvoice, now: datetime,
           details: Mapping[str, XeroPayment]) -> _Applied:
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    number = invoice.display_number
    current = {p.payment_id: p for p in xero.payments or [] if p.payment_id}
    applied = _Applied()
    if invoice.status == InvoiceStatus.CANCELLED:
        if current:
            raise PullRefusal(
                f"Xero holds payments on {number}, which is cancelled in BMS: remove the payments in Xero, then "
                "void it there (or pull again once the payments are deleted).", CAUSE_PAID_BUT_CANCELLED)
        return applied  # nothing to settle; what Xero holds is stored by the caller
    _refuse_payments_xero_lacks(tenant, invoice)
    if (xero.status or "") not in GONE_IN_XERO:
        _refuse_contradicting_amounts(invoice, xero, current)
    _record_new(tenant, invoice, current, applied, now, details)
    _reverse_gone(tenant, invoice, current, applied, now)
    if (xero.status or "") in GONE_IN_XERO or xero.amount_due is None:
        return applied  # a void keeps BMS's balance as it is: the panel shows the difference
    # Xero's AmountDue, less BMS credit Xero does not hold yet (or plus credit BMS took back that Xero
    # still holds): a pull never undoes a BMS allocation on its way, nor counts one twice once sent.
    pending = credit_not_in_xero(tenant=tenant, invoice_id=invoice.pk)
    invoice_set_balance(invoice=invoice, balance_amount=max(ZERO, Decimal(xero.amount_due) - pending), now=now)
    return applied


def _refuse_payments_xero_lacks(tenant: XeroTenant, invoice: Invoice) -> None:
    """A live BMS payment with no PaymentLink was entered in BMS and never reached Xero."""
    unknown = list(Payment.objects.filter(invoice=invoice, reversed_at__isnull=True)
                   .exclude(pk__in=PaymentLink.objects.filter(tenant=tenant).values("payment_id")))
    if unknown:
        paid = sum((payment.amount for payment in unknown), ZERO)
        raise PullRefusal(
            f"BMS holds {counted(len(unknown), 'payment')} of {paid} on {invoice.display_number} that Xero does not: "
            f"it was paid in BMS before connecting and Xero shows it unpaid. Nothing was changed in BMS; send the "
            f"payment to Xero (see Going live) or record it in Xero, then pull again.", CAUSE_PAID_BEFORE_CONNECT)


def _refuse_contradicting_amounts(invoice: Invoice, xero: XeroInvoice, current: dict[str, InvoicePayment]) -> None:
    number = invoice.display_number
    if xero.total is not None and Decimal(xero.total) != invoice.total_amount:
        raise PullRefusal(
            f"Xero's total for {number} is {xero.total}, BMS's is {invoice.total_amount}: its payments wait until "
            f"the two agree. Compare the invoice in Xero with BMS, then void it in Xero and re-send it, or cancel "
            f"it in BMS.", CAUSE_TOTALS_DIFFER)
    paid = sum((Decimal(p.amount) for p in current.values() if p.amount is not None), ZERO)
    credited = Decimal(xero.amount_credited or 0)
    if paid + credited > invoice.total_amount:
        raise PullRefusal(
            f"Xero's payments on {number} add up to {paid + credited}, more than BMS's total of "
            f"{invoice.total_amount}: compare the invoice in Xero with BMS, then remove the extra payment in Xero "
            f"(or correct the invoice in BMS) and pull again.", CAUSE_OVERPAID)
    expected = invoice.total_amount - paid - credited
    if xero.amount_due is not None and Decimal(xero.amount_due) != expected:
        raise PullRefusal(
            f"Xero says {xero.amount_due} is due on {number}, but its payments ({paid}) and credits ({credited}) "
            f"leave {expected} of BMS's total {invoice.total_amount}: check the invoice in Xero, then pull again.",
            CAUSE_AMOUNTS)


def _record_new(tenant: XeroTenant, invoice: Invoice, current: dict[str, InvoicePayment], applied: _Applied,
                now: datetime, details: Mapping[str, XeroPayment]) -> None:
    known = {link.xero_payment_id: link.payment for link in PaymentLink.objects.filter(
        tenant=tenant, xero_payment_id__in=list(current)).select_related("payment")}
    for payment_id, payment in current.items():
        detail = details.get(payment_id)
        reference = (detail.reference or "") if detail is not None else ""
        account_code = (detail.account.code or "") if detail is not None and detail.account is not None else ""
        if payment_id in known:
            # Recorded before BMS kept them (or before Xero said them): Xero's reference and account.
            payment_set_source_details(payment=known[payment_id], reference=reference, account_code=account_code)
            continue
        if payment.amount is None:
            continue  # (Xero always sends an Amount; without one there is nothing to record)
        try:
            with transaction.atomic():
                recorded = payment_record(invoice=invoice, amount=Decimal(payment.amount),
                                          paid_on=payment.date or (detail.date if detail else None) or now.date(),
                                          reference=reference, account_code=account_code,
                                          source=PaymentSource.XERO, now=now)
                PaymentLink.objects.create(tenant=tenant, xero_payment_id=payment_id, payment=recorded)
        except IntegrityError:
            continue  # another pull recorded it a moment ago
        paid_on = payment.date or now.date()
        applied.add(RECORDED, f"Payment of {payment.amount} on {paid_on:%d/%m/%Y} recorded.")


def _reverse_gone(tenant: XeroTenant, invoice: Invoice, current: dict[str, InvoicePayment], applied: _Applied,
                  now: datetime) -> None:
    gone = PaymentLink.objects.filter(tenant=tenant, payment__invoice=invoice, is_deleted_in_xero=False).exclude(
        xero_payment_id__in=list(current))
    for link in gone.select_related("payment"):
        payment_reverse(payment=link.payment, now=now)
        PaymentLink.objects.filter(pk=link.pk).update(is_deleted_in_xero=True)
        applied.add(REVERSED, f"A payment of {link.payment.amount} was deleted in Xero and has been reversed.")


def _store_seen(link: InvoiceLink, xero: XeroInvoice, now: datetime, *, error: str, cause: str) -> None:
    """What Xero holds, kept on the link for the panel and the reconciliation, landed or not."""
    fields: dict[str, object] = {
        "xero_status": xero.status or "", "xero_total": xero.total, "xero_amount_due": xero.amount_due,
        "xero_amount_credited": xero.amount_credited, "xero_updated_at": xero.updated_date_utc,
        "xero_seen_at": now, "pull_error": error, "pull_error_cause": cause[:255],
    }
    if not error:
        fields["last_pulled_at"] = now
    InvoiceLink.objects.filter(pk=link.pk).update(**fields)
