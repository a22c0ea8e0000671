"""Reads for the Credit Notes screens and for other apps (the Xero sync asks for released credit notes)."""

from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum

from bms.billing.models import (
    CreditAllocation,
    CreditNote,
    CreditNoteLine,
    CreditNoteStatus,
    Invoice,
    Refund,
)
from bms.billing.selectors import _number_query as invoice_number_query
from bms.core.params import int_param
from bms.core.search import contains
from bms.customers.models import Customer
from bms.entities.models import Entity

RELEASED = (CreditNoteStatus.APPROVED, CreditNoteStatus.PROCESSED, CreditNoteStatus.COMPLETED)


def _number_query(search: str) -> Q:
    """A number as people type it: "12", "000012", with the entity's credit note prefix, or any part of
    Xero's number (a note made in Xero)."""
    query = contains(CreditNote, ("xero_number",), search)
    number = int_param(search)
    entities = list(Entity.objects.only("pk", "prefix", "credit_note_prefix"))
    if number is not None:  # each entity's note of that number: a look-up per entity in its index
        query |= Q(entity_id__in=[entity.pk for entity in entities], number=number)
    for entity in entities:
        prefix = entity.credit_note_number_prefix
        rest = int_param(search[len(prefix):])
        if search.upper().startswith(prefix.upper()) and rest is not None:
            query |= Q(entity_id=entity.pk, number=rest)
    return query


def credit_notes_list(*, search: str = "", status: str = "", entity_id: int | None = None,
                      customer_id: int | None = None, source: str = "") -> QuerySet[CreditNote]:
    """The Credit Notes screen: search by number, customer name or code, reference or the credited
    invoice's number; filter by status, entity, customer and where it was made."""
    notes = CreditNote.objects.select_related("entity", "customer", "invoice__entity")
    if status:
        notes = notes.filter(status=status)
    if entity_id:
        notes = notes.filter(entity_id=entity_id)
    if customer_id:
        notes = notes.filter(customer_id=customer_id)
    if source:
        notes = notes.filter(source=source)
    search = search.strip()
    if search:
        query = (contains(Customer, ("name", "code"), search, via="customer")
                 | contains(CreditNote, ("reference",), search))
        query |= _number_query(search)
        invoice_number = invoice_number_query(search)
        if invoice_number is not None:
            # The invoices' ids (one per entity at most), not a subquery: looked up by the notes' index.
            query |= Q(invoice_id__in=list(Invoice.objects.filter(invoice_number).values_list("pk", flat=True)))
        notes = notes.filter(query)
    return notes.order_by("-issued_on", "-id")


def credit_note_for_detail(*, pk: int) -> CreditNote:
    return (
        CreditNote.objects.select_related("entity", "customer", "invoice__entity", "created_by", "approved_by",
                                          "cancelled_by")
        .prefetch_related(
            Prefetch("lines", queryset=CreditNoteLine.objects.select_related("account", "tax_rate", "product")))
        .get(pk=pk)
    )


def credit_note_allocations(*, credit_note: CreditNote) -> QuerySet[CreditAllocation]:
    """Every allocation, reversed ones included, oldest first: the history as it happened."""
    return credit_note.allocations.select_related("invoice__entity").order_by("allocated_on", "id")


def credit_note_refunds(*, credit_note: CreditNote) -> QuerySet[Refund]:
    return credit_note.refunds.order_by("paid_on", "id")


def invoice_credit_allocations(*, invoice: Invoice) -> QuerySet[CreditAllocation]:
    """Credit applied to an invoice, for its page."""
    return invoice.credit_allocations.select_related("credit_note__entity").order_by("allocated_on", "id")


def invoice_credit_notes(*, invoice: Invoice) -> QuerySet[CreditNote]:
    return CreditNote.objects.filter(invoice=invoice).select_related("entity").order_by("issued_on", "id")


def invoice_quantities_left(*, invoice: Invoice) -> dict[int, Decimal]:
    """Per invoice line id, what is not yet credited by a standing (not cancelled) credit note."""
    credited = dict(
        CreditNoteLine.objects.filter(invoice_line__invoice=invoice)
        .exclude(credit_note__status=CreditNoteStatus.CANCELLED)
        .values_list("invoice_line").annotate(quantity=Sum("quantity")).values_list("invoice_line", "quantity"))
    return {line.pk: line.quantity - Decimal(str(credited.get(line.pk) or 0)) for line in invoice.lines.all()}


def invoice_fully_credited(*, invoice: Invoice) -> bool:
    """Nothing of it is left to credit: every line credited in full, or its standing credit notes (an
    amount credited too) already come to its total. Its page then offers no Credit Note nor Correct
    this invoice, which the service would refuse."""
    if all(left <= 0 for left in invoice_quantities_left(invoice=invoice).values()):
        return True
    credited = (CreditNote.objects.filter(invoice=invoice).exclude(status=CreditNoteStatus.CANCELLED)
                .aggregate(total=Sum("total_amount"))["total"])
    return credited is not None and credited >= invoice.total_amount


def credit_notes_released() -> QuerySet[CreditNote]:
    """Released, processed or completed: the credit notes eligible for Xero (made in BMS)."""
    return CreditNote.objects.filter(status__in=RELEASED, source="bms")
