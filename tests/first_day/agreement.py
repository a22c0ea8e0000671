"""Do the books agree? Every record BMS sent, beside what Xero holds (read from the sandbox over
HTTP), and every released BMS invoice Xero should have: each difference with its cause, as the
reconciliation groups them. The scenario then asserts the differences are exactly the ones it left
on purpose."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bms.billing.models import CreditNote, CreditNoteStatus, Invoice, InvoiceStatus
from bms.cogs.models import CostOfSalesJournal
from bms.cogs.selectors import journal_account_summary
from bms.customers.models import Customer
from bms.xero.client.xerodates import parse_xero_date
from bms.xero.models import ContactLink, CreditNoteLink, InvoiceLink, JournalLink
from tests.first_day.bms_side import FirstDay

# The causes, one per kind of difference the reconciliation tells apart (issue #15 item 7).
TOTALS = "Total differs"
SUBTOTAL = "Subtotal differs"
TAX = "Tax differs"
STATUS = "Status differs"
AMOUNT_DUE = "Amount due differs"
ONLY_IN_BMS = "Only in BMS"
ONLY_IN_XERO = "Only in Xero"
BEFORE_GO_LIVE = "Sent though dated before go-live"
CONTACT_FIELDS = "Contact differs"
CONTACT_ARCHIVED = "Contact archived in Xero"
JOURNAL_TOTALS = "Journal per-account totals differ"
CREDIT_LEFT = "Credit left differs"


@dataclass(frozen=True, order=True)
class Difference:
    record: str  # "Invoice AU-000301", "Contact C0902"
    cause: str
    detail: str = ""
    invoice_id: int | None = field(default=None, compare=False)  # which BMS invoice, when it is one

    def __str__(self) -> str:
        return f"{self.record}: {self.cause}" + (f" ({self.detail})" if self.detail else "")


def money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def xero_status_of(invoice: Invoice, xero_status: str) -> str:
    """The Xero status BMS's state means: Processed is AUTHORISED (part paid or not), Completed is
    PAID, Cancelled is VOIDED (a Xero draft would be DELETED)."""
    if invoice.status == InvoiceStatus.COMPLETED:
        return "PAID"
    if invoice.status == InvoiceStatus.CANCELLED:
        return xero_status if xero_status in ("VOIDED", "DELETED") else "VOIDED"
    return "AUTHORISED"


def invoice_differences(invoice: Invoice, xero: dict) -> list[Difference]:
    record = f"Invoice {invoice.display_number}"
    found = []
    for cause, ours, name in ((TOTALS, invoice.total_amount, "Total"), (SUBTOTAL, invoice.subtotal_amount, "SubTotal"),
                              (TAX, invoice.tax_amount, "TotalTax")):
        if money(xero[name]) != ours:
            found.append(Difference(record, cause, f"Xero's {money(xero[name])}, BMS's {ours}", invoice.pk))
    # Amount due is compared only when the totals agree: a different total already names the cause.
    wanted = xero_status_of(invoice, xero["Status"])
    if xero["Status"] != wanted:
        found.append(Difference(record, STATUS, f"Xero's {xero['Status']}, BMS's {invoice.get_status_display()}",
                                invoice.pk))
    elif not found and invoice.status != InvoiceStatus.CANCELLED and money(xero["AmountDue"]) != invoice.balance_amount:
        found.append(Difference(record, AMOUNT_DUE, f"Xero's {money(xero['AmountDue'])}, BMS's "
                                                    f"{invoice.balance_amount}", invoice.pk))
    return found


def books_differences(world: FirstDay, *, go_live: date | None) -> list[Difference]:
    """Every difference between BMS and the two organisations, sorted. With `go_live`, released
    invoices dated before it belong in BMS only, and one in Xero is a difference of its own."""
    found: list[Difference] = []
    tenant_of = {code: tenant.xero_tenant_id for code, tenant in world.tenants.items()}
    in_xero = {tenant_id: world.xero.invoices(tenant_id) for tenant_id in set(tenant_of.values())}
    claimed: set[tuple[str, str]] = set()
    released = (Invoice.objects.filter(entity__code__in=tenant_of).exclude(status=InvoiceStatus.DRAFT)
                .select_related("entity").order_by("pk"))
    for invoice in released:
        tenant_id = tenant_of[invoice.entity.code]
        xero = in_xero[tenant_id].get(invoice.display_number)
        link = InvoiceLink.objects.filter(invoice=invoice, tenant__xero_tenant_id=tenant_id).first()
        before_go_live = go_live is not None and invoice.issued_on < go_live
        if xero is not None:
            claimed.add((tenant_id, invoice.display_number))
            if before_go_live:
                found.append(Difference(f"Invoice {invoice.display_number}", BEFORE_GO_LIVE, str(invoice.issued_on),
                                        invoice.pk))
            found += invoice_differences(invoice, xero)
        elif not before_go_live and (invoice.status != InvoiceStatus.CANCELLED or (link and link.xero_id)):
            # A cancelled invoice Xero never had is in agreement: there was nothing to void.
            reason = link.error_cause or link.last_error if link is not None else "never sent"
            found.append(Difference(f"Invoice {invoice.display_number}", ONLY_IN_BMS, reason, invoice.pk))
    for tenant_id, invoices in in_xero.items():
        for number, xero in invoices.items():
            if (tenant_id, number) not in claimed and xero["Status"] != "DELETED":
                found.append(Difference(f"Invoice {number}", ONLY_IN_XERO, xero["Status"]))
    return sorted(found + contact_differences(world) + journal_differences(world, go_live=go_live)
                  + credit_note_differences(world, go_live=go_live))


def credit_note_differences(world: FirstDay, *, go_live: date | None) -> list[Difference]:
    """Every credit note linked to an organisation (sent by BMS, or made in Xero and pulled): Xero's
    totals, tax and credit left are BMS's; every released BMS credit note from go-live on is in Xero."""
    found = []
    for note in CreditNote.objects.exclude(status=CreditNoteStatus.DRAFT).select_related("entity", "invoice"):
        record = f"Credit note {note.display_number}"
        # History: dated before go-live, or crediting an invoice that is (that invoice is not in Xero).
        history = go_live is not None and (note.issued_on < go_live or (
            note.invoice is not None and note.invoice.issued_on < go_live))
        link = CreditNoteLink.objects.filter(credit_note=note).select_related("tenant").first()
        xero = next((c for c in world.xero.org(link.tenant.xero_tenant_id).get("credit_notes", [])
                     if c["CreditNoteID"] == link.xero_id), None) if link is not None and link.xero_id else None
        if xero is None:
            if note.status != CreditNoteStatus.CANCELLED and not history:
                found.append(Difference(record, ONLY_IN_BMS, (link.error_cause or link.last_error or link.status)
                                        if link is not None else "never sent"))
            continue
        for cause, ours, name in ((TOTALS, note.total_amount, "Total"), (SUBTOTAL, note.subtotal_amount, "SubTotal"),
                                  (TAX, note.tax_amount, "TotalTax"), (CREDIT_LEFT, note.remaining_credit,
                                                                       "RemainingCredit")):
            if money(xero[name]) != ours:
                found.append(Difference(record, cause, f"Xero's {money(xero[name])}, BMS's {ours}"))
    return found


def contact_differences(world: FirstDay) -> list[Difference]:
    """Every customer BMS linked to a Xero contact: name and email as BMS has them, and usable."""
    found = []
    for link in ContactLink.objects.exclude(xero_id=None).exclude(xero_id="").select_related("customer", "tenant"):
        customer: Customer = link.customer
        xero = next((c for c in world.xero.org(link.tenant.xero_tenant_id)["contacts"]
                     if c["ContactID"] == link.xero_id), None)
        record = f"Contact {customer.code} in {link.tenant.name}"
        if xero is None:
            found.append(Difference(record, ONLY_IN_BMS, link.xero_id or ""))
            continue
        if xero["ContactStatus"] != "ACTIVE":
            found.append(Difference(record, CONTACT_ARCHIVED, xero["ContactStatus"]))
        if (xero["Name"], xero.get("EmailAddress") or "") != (customer.name, customer.email):
            found.append(Difference(record, CONTACT_FIELDS, f"Xero's {xero['Name']!r}, BMS's {customer.name!r}"))
    return found


def journal_differences(world: FirstDay, *, go_live: date | None) -> list[Difference]:
    """Every cost-of-sales journal BMS sent: Xero's net per account equals BMS's account summary; and
    no journal in Xero dated before go-live, nor one BMS did not send."""
    found = []
    for tenant_id in {tenant.xero_tenant_id for tenant in world.tenants.values()}:
        sent = {link.xero_id: link.journal for link in JournalLink.objects.filter(
            tenant__xero_tenant_id=tenant_id).exclude(xero_id=None).exclude(xero_id="").select_related("journal")}
        for xero in world.xero.journals(tenant_id):
            journal: CostOfSalesJournal | None = sent.get(xero["ManualJournalID"])
            record = f"Journal {journal.entity.code} {journal.journaled_on}" if journal else (
                f"Journal {xero['Narration'][:60]}")
            if journal is None:
                found.append(Difference(record, ONLY_IN_XERO, xero["Status"]))
                continue
            if go_live is not None and xero_date(xero["Date"]) < go_live:
                found.append(Difference(record, BEFORE_GO_LIVE, str(xero["Date"])))
            theirs: dict[str, Decimal] = {}
            for line in xero["JournalLines"]:
                theirs[line["AccountCode"]] = theirs.get(line["AccountCode"], Decimal("0")) + money(line["LineAmount"])
            ours = {row["account__code"]: row["net"] for row in journal_account_summary(journal)}
            if {code: amount for code, amount in theirs.items() if amount} != {c: a for c, a in ours.items() if a}:
                found.append(Difference(record, JOURNAL_TOTALS, f"Xero's {theirs}, BMS's {ours}"))
    return found


def counts_by_cause(differences: list[Difference]) -> Counter[str]:
    return Counter(d.cause for d in differences)


def xero_date(value: object) -> date:
    """The control plane writes dates as ISO text; the API as /Date(…)/: either is read."""
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-":
        return date.fromisoformat(value[:10])
    parsed = parse_xero_date(value)
    assert parsed is not None, value
    return parsed
