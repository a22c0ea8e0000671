"""Billing → Credit Notes, and the credit actions on an invoice's page. Thin: forms validate,
services change, selectors read. Reads need `billing.view`, writes `billing.edit`, as invoices.

A refusal from a service (DomainError) is shown beside the field it names or at the top of the
form, with everything the user typed; an action refused on a detail page says why in a message.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bms.billing.forms import InvoiceLineFormSet
from bms.billing.forms_credit import AllocateForm, CreditFromInvoiceForm, CreditNoteForm, RefundForm
from bms.billing.models import CreditAllocation, CreditNote, CreditNoteStatus, CreditSource, Refund
from bms.billing.selectors import entities_for_filter, invoice_for_detail
from bms.billing.selectors_credit import (
    credit_note_allocations,
    credit_note_for_detail,
    credit_note_refunds,
    credit_notes_list,
    invoice_quantities_left,
)
from bms.billing.services import (
    CreditNoteLineData,
    credit_allocate,
    credit_allocation_reverse,
    credit_note_can_become,
    credit_note_cancel,
    credit_note_create_from_invoice,
    credit_note_create_standalone,
    credit_note_release,
    credit_note_update,
    invoice_correct,
    refund_record,
    refund_reverse,
)
from bms.billing.views_common import get_or_404, show_error
from bms.core.access import rule
from bms.core.errors import DomainError
from bms.core.pagination import paginate
from bms.core.params import int_param
from bms.core.tz import trading_day
from bms.customers.models import Customer
from bms.entities.models import Entity
from bms.entities.selectors import entity_time_zone
from bms.preferences.selectors import general_settings


def _today(entity: Entity):
    return trading_day(timezone.now(), entity_time_zone(entity))


@rule("billing.view")
def credit_note_list(request):
    search = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    status = status if status in CreditNoteStatus.values else ""
    source = request.GET.get("source", "")
    source = source if source in CreditSource.values else ""
    entity_id = int_param(request.GET.get("entity", ""))
    notes = credit_notes_list(search=search, status=status, entity_id=entity_id, source=source)
    context = {"search": search, "status": status, "source": source, "entity_id": entity_id,
               "statuses": CreditNoteStatus.choices, "sources": CreditSource.choices,
               "entities": entities_for_filter(), **paginate(request, notes)}
    return render(request, "billing/credit_note_list.html", context)


def _detail_page(request, credit_note: CreditNote, *, allocate_form=None, refund_form=None, status=200):
    # A credit note made in Xero is used in Xero; its allocations and refunds come back with the pull.
    usable = credit_note.status in (CreditNoteStatus.APPROVED, CreditNoteStatus.PROCESSED) and not (
        credit_note.is_from_xero)
    today = _today(credit_note.entity)
    context = {
        "credit_note": credit_note,
        "allocations": credit_note_allocations(credit_note=credit_note),
        "refunds": credit_note_refunds(credit_note=credit_note),
        "may_edit": credit_note.status == CreditNoteStatus.DRAFT and credit_note.invoice_id is None,
        "may_release": credit_note.status == CreditNoteStatus.DRAFT,
        "may_cancel": credit_note_can_become(credit_note=credit_note, status=CreditNoteStatus.CANCELLED),
        "may_allocate": usable and credit_note.remaining_credit > 0,
        # Xero owns the cash side of a credit note it holds, as it owns receipts.
        "may_refund": usable and credit_note.remaining_credit > 0 and credit_note.processed_at is None,
        "allocate_form": allocate_form or AllocateForm(credit_note=credit_note, initial={
            "amount": credit_note.remaining_credit, "allocated_on": max(today, credit_note.issued_on)}),
        "refund_form": refund_form or RefundForm(initial={"amount": credit_note.remaining_credit,
                                                          "paid_on": max(today, credit_note.issued_on)}),
    }
    return render(request, "billing/credit_note_detail.html", context, status=status)


@rule("billing.view")
def credit_note_detail(request, pk: int):
    return _detail_page(request, get_or_404(credit_note_for_detail, pk))


@rule("billing.edit")
def credit_note_from_invoice(request, pk: int):
    """Credit an invoice: the whole of it, chosen lines with quantities, or an amount."""
    invoice = get_or_404(invoice_for_detail, pk)
    left = invoice_quantities_left(invoice=invoice)
    form = CreditFromInvoiceForm(request.POST or None, invoice=invoice, left=left,
                                 initial={"issued_on": max(_today(invoice.entity), invoice.issued_on)})
    if request.method == "POST" and form.is_valid():
        data, mode = form.cleaned_data, form.cleaned_data["mode"]
        try:
            credit_note = credit_note_create_from_invoice(
                invoice=invoice, lines=data["lines"] if mode == "lines" else None,
                amount=data["amount"] if mode == "amount" else None, issued_on=data["issued_on"],
                reference=data["reference"] or None, user=request.user)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Draft credit note {credit_note} created for invoice {invoice}: "
                                      "release it to apply the credit.")
            return redirect("billing:credit_note_detail", pk=credit_note.pk)
    return render(request, "billing/credit_note_from_invoice.html", {"invoice": invoice, "form": form})


def _line_data(formset) -> list[CreditNoteLineData]:
    return [CreditNoteLineData(description=data["description"], quantity=data["quantity"],
                               unit_price=data["unit_price"], account=data["account"], tax_rate=data.get("tax_rate"),
                               product=data.get("product"))
            for data in formset.line_values()]


def _save_standalone(request, form, formset, save):
    lines_errors: list[str] = []
    if form.is_valid() and formset.is_valid():
        try:
            return save(_line_data(formset), form.cleaned_data), lines_errors
        except DomainError as exc:
            if exc.field == "lines":
                lines_errors.append(exc.message)
            else:
                show_error(form, exc)
    return None, lines_errors


def _form_page(request, form, formset, credit_note=None, lines_errors=()):
    return render(request, "billing/credit_note_form.html", {
        "form": form, "formset": formset, "credit_note": credit_note, "lines_errors": list(lines_errors)})


@rule("billing.edit")
def credit_note_create_view(request):
    """A credit note for a customer, against no invoice."""
    if request.method == "POST":
        form, formset = CreditNoteForm(request.POST), InvoiceLineFormSet(request.POST, prefix="lines")
        credit_note, errors = _save_standalone(request, form, formset, lambda lines, fields: (
            credit_note_create_standalone(lines=lines, user=request.user, **fields)))
        if credit_note is not None:
            messages.success(request, f"Draft credit note {credit_note} created.")
            return redirect("billing:credit_note_detail", pk=credit_note.pk)
        return _form_page(request, form, formset, lines_errors=errors)
    settings_row = general_settings()
    entities = list(Entity.objects.order_by("-is_default", "name")[:2])
    entity = entities[0] if entities and (entities[0].is_default or len(entities) == 1) else None
    customer = Customer.objects.filter(pk=int_param(request.GET.get("customer", "")) or 0).first()
    form = CreditNoteForm(initial={
        "issued_on": trading_day(timezone.now(), settings_row.default_time_zone),
        "currency": settings_row.default_currency, "entity": entity.pk if entity else None,
        "customer": customer.pk if customer else None})
    return _form_page(request, form, InvoiceLineFormSet(prefix="lines"))


@rule("billing.edit")
def credit_note_edit(request, pk: int):
    credit_note = get_or_404(credit_note_for_detail, pk)
    if credit_note.status != CreditNoteStatus.DRAFT or credit_note.invoice_id is not None:
        messages.error(request, f"Credit note {credit_note} can't be edited here: only drafts for no invoice can "
                                "(a draft for an invoice is cancelled and made again).")
        return redirect("billing:credit_note_detail", pk=pk)
    if request.method == "POST":
        form = CreditNoteForm(request.POST, instance=get_or_404(credit_note_for_detail, pk))
        formset = InvoiceLineFormSet(request.POST, prefix="lines")
        saved, errors = _save_standalone(request, form, formset, lambda lines, fields: credit_note_update(
            credit_note=credit_note, lines=lines, **{k: v for k, v in fields.items() if k != "entity"}))
        if saved is not None:
            messages.success(request, f"Draft credit note {saved} saved.")
            return redirect("billing:credit_note_detail", pk=saved.pk)
        return _form_page(request, form, formset, credit_note, errors)
    initial = [{"product": line.product_id, "description": line.description,
                "quantity": f"{line.quantity.normalize():f}", "unit_price": f"{line.unit_price.normalize():f}",
                "account": line.account_id, "tax_rate": line.tax_rate_id} for line in credit_note.lines.all()]
    return _form_page(request, CreditNoteForm(instance=credit_note),
                      InvoiceLineFormSet(prefix="lines", initial=initial), credit_note)


def _act(request, pk: int, action, success: str):
    """Run a detail-page action; a refusal comes back as a message on the page, saying why."""
    credit_note = get_or_404(credit_note_for_detail, pk)
    try:
        result = action(credit_note)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success.format(credit_note=credit_note, result=result))
    return redirect("billing:credit_note_detail", pk=pk)


@require_POST
@rule("billing.edit")
def credit_note_release_view(request, pk: int):
    return _act(request, pk, lambda cn: credit_note_release(credit_note=cn, user=request.user),
                "Credit note {credit_note} released.")


@require_POST
@rule("billing.edit")
def credit_note_cancel_view(request, pk: int):
    return _act(request, pk, lambda cn: credit_note_cancel(credit_note=cn, user=request.user),
                "Credit note {credit_note} cancelled.")


@require_POST
@rule("billing.edit")
def credit_allocate_view(request, pk: int):
    credit_note = get_or_404(credit_note_for_detail, pk)
    form = AllocateForm(request.POST, credit_note=credit_note)
    if form.is_valid():
        try:
            allocation = credit_allocate(credit_note=credit_note, invoice=form.cleaned_data["invoice"],
                                         amount=form.cleaned_data["amount"], on=form.cleaned_data["allocated_on"],
                                         actor=request.user)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"{allocation.amount} of {credit_note} allocated to invoice "
                                      f"{form.cleaned_data['invoice']}.")
            return redirect("billing:credit_note_detail", pk=pk)
    return _detail_page(request, credit_note_for_detail(pk=pk), allocate_form=form, status=400)


@require_POST
@rule("billing.edit")
def credit_allocation_reverse_view(request, pk: int, allocation_pk: int):
    allocation = CreditAllocation.objects.filter(pk=allocation_pk, credit_note_id=pk).first()
    if allocation is None:
        raise Http404("No such allocation on this credit note.")
    return _act(request, pk, lambda cn: credit_allocation_reverse(allocation=allocation, actor=request.user),
                "Allocation reversed: the invoice owes it again and {credit_note} has the credit back.")


@require_POST
@rule("billing.edit")
def refund_record_view(request, pk: int):
    credit_note = get_or_404(credit_note_for_detail, pk)
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            refund_record(credit_note=credit_note, amount=form.cleaned_data["amount"],
                          paid_on=form.cleaned_data["paid_on"], reference=form.cleaned_data["reference"],
                          actor=request.user)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Refund of {form.cleaned_data['amount']} recorded on {credit_note}.")
            return redirect("billing:credit_note_detail", pk=pk)
    return _detail_page(request, credit_note_for_detail(pk=pk), refund_form=form, status=400)


@require_POST
@rule("billing.edit")
def refund_reverse_view(request, pk: int, refund_pk: int):
    refund = Refund.objects.filter(pk=refund_pk, credit_note_id=pk).first()
    if refund is None:
        raise Http404("No such refund on this credit note.")
    return _act(request, pk, lambda cn: refund_reverse(refund=refund, actor=request.user),
                "Refund reversed: {credit_note} has the credit back.")


@require_POST
@rule("billing.edit")
def invoice_correct_view(request, pk: int):
    invoice = get_or_404(invoice_for_detail, pk)
    try:
        credit_note, draft = invoice_correct(invoice=invoice, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("billing:invoice_detail", pk=pk)
    messages.success(request, f"Invoice {invoice} corrected: credit note {credit_note} released for it, and new draft "
                              f"invoice {draft} made from it to edit and approve.")
    return redirect("billing:invoice_detail", pk=draft.pk)
