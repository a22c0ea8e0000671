"""Billing → Customers and Billing → Invoices. Thin: forms validate, services change, selectors read.

The Customers screens stay here, under billing's URL names: a customer's page lists its invoices, so
the screen sits above both apps, while the customer's form, services and reads are bms.customers'.

Reads need `billing.view` (every role); writes need `billing.edit` (admin, finance). A refusal from
a service (DomainError) is shown beside the field it names, or at the top of the form, and the page
is rendered again with everything the user typed.
"""

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bms.billing.forms import NO_TAX, InvoiceForm, InvoiceLineFormSet
from bms.billing.models import Invoice, InvoiceStatus
from bms.billing.selectors import (
    entities_for_filter,
    invoice_for_detail,
    invoice_payments,
    invoices_list,
)
from bms.billing.selectors_credit import invoice_credit_allocations, invoice_credit_notes, invoice_fully_credited
from bms.billing.services import (
    InvoiceLineData,
    invoice_approve,
    invoice_can_become,
    invoice_cancel,
    invoice_create,
    invoice_update_draft,
)
from bms.billing.views_common import get_or_404, show_error
from bms.core.access import rule
from bms.core.errors import DomainError
from bms.core.pagination import paginate
from bms.core.params import int_param, search_param
from bms.core.tz import trading_day
from bms.customers.forms import CustomerForm
from bms.customers.selectors import customer_for_detail, customers_list
from bms.customers.services import customer_create, customer_update
from bms.entities.models import Entity
from bms.preferences.selectors import general_settings

# --- customers --------------------------------------------------------------------------------


@rule("billing.view")
def customer_list(request):
    search = search_param(request.GET.get("q", ""))
    return render(request, "billing/customer_list.html",
                  {"search": search, **paginate(request, customers_list(search=search))})


@rule("billing.view")
def customer_detail(request, pk: int):
    customer = get_or_404(customer_for_detail, pk)
    return render(request, "billing/customer_detail.html",
                  {"customer": customer, **paginate(request, invoices_list(customer_id=customer.pk))})


@rule("billing.edit")
def customer_create_view(request):
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_create(**form.cleaned_data)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Customer {customer.name} created.")
            return redirect("billing:customer_detail", pk=customer.pk)
    return render(request, "billing/customer_form.html", {"form": form, "customer": None})


@rule("billing.edit")
def customer_edit(request, pk: int):
    customer = get_or_404(customer_for_detail, pk)
    # The form works on its own copy: validation writes into its instance, and the page heading
    # must keep the saved name while the user fixes a mistake.
    form = CustomerForm(request.POST or None, instance=get_or_404(customer_for_detail, pk))
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_update(customer=customer, **form.cleaned_data)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Customer {customer.name} saved.")
            return redirect("billing:customer_detail", pk=customer.pk)
    return render(request, "billing/customer_form.html", {"form": form, "customer": customer})


# --- invoices ---------------------------------------------------------------------------------


@rule("billing.view")
def invoice_list(request):
    search = search_param(request.GET.get("q", ""))
    status = request.GET.get("status", "")
    status = status if status in InvoiceStatus.values else ""
    entity_id = int_param(request.GET.get("entity", ""))
    invoices = invoices_list(search=search, status=status, entity_id=entity_id)
    context = {
        "search": search, "status": status, "entity_id": entity_id, "statuses": InvoiceStatus.choices,
        "entities": entities_for_filter(), **paginate(request, invoices),
    }
    return render(request, "billing/invoice_list.html", context)


@rule("billing.view")
def invoice_detail(request, pk: int):
    invoice = get_or_404(invoice_for_detail, pk)
    context = {
        "invoice": invoice,
        "payments": invoice_payments(invoice=invoice),
        # Buttons follow the lifecycle table, so a page never offers a change the service refuses.
        "may_edit": invoice.status == InvoiceStatus.DRAFT,
        # Approval releases a draft; the table's other way into Approved is a completed invoice
        # re-opened by a reversed payment, which is not a button.
        "may_approve": invoice.status == InvoiceStatus.DRAFT,
        "may_cancel": invoice_can_become(invoice=invoice, status=InvoiceStatus.CANCELLED),
        # Credit notes and corrections (views_credit.py): a released invoice is never edited.
        "may_credit": invoice.is_released,
        "fully_credited": invoice.is_released and invoice_fully_credited(invoice=invoice),
        "credit_notes": invoice_credit_notes(invoice=invoice),
        "credit_allocations": invoice_credit_allocations(invoice=invoice),
    }
    return render(request, "billing/invoice_detail.html", context)


def _line_data(formset) -> list[InvoiceLineData]:
    return [
        InvoiceLineData(
            description=data["description"], quantity=data["quantity"], unit_price=data["unit_price"],
            account=data["account"], tax_rate=data.get("tax_rate"), product=data.get("product"),
        )
        for data in formset.line_values()
    ]


def _plain(value: Decimal) -> Decimal:
    # 2.0000 → 2 and 250.0000 → 250 as typed, never 2.5E+2 (what normalize() alone gives).
    return Decimal(f"{value.normalize():f}")


def _initial_lines(invoice: Invoice) -> list[dict]:
    return [
        {"product": line.product_id, "description": line.description, "quantity": _plain(line.quantity),
         "unit_price": _plain(line.unit_price), "account": line.account_id,
         "tax_rate": line.tax_rate_id or NO_TAX}
        for line in invoice.lines.all()
    ]


def _invoice_form_page(request, form, formset, invoice=None, lines_errors=()):
    return render(request, "billing/invoice_form.html",
                  {"form": form, "formset": formset, "invoice": invoice, "lines_errors": list(lines_errors)})


def _save_invoice(form, formset, save):
    """Validate the posted header and lines, then save through `save(lines, fields)`. Returns the
    invoice, or None with the errors placed on the forms (a service refusal about the lines goes
    above the lines table)."""
    lines_errors = []
    if form.is_valid() and formset.is_valid():
        try:
            return save(_line_data(formset), form.cleaned_data), lines_errors
        except DomainError as exc:
            if exc.field == "lines":
                lines_errors.append(exc.message)
            else:
                show_error(form, exc)
    return None, lines_errors


@rule("billing.edit")
def invoice_create_view(request):
    if request.method == "POST":
        form = InvoiceForm(request.POST)
        formset = InvoiceLineFormSet(request.POST, prefix="lines")
        invoice, lines_errors = _save_invoice(
            form, formset,
            lambda lines, fields: invoice_create(lines=lines, created_by=request.user, **fields),
        )
        if invoice is not None:
            messages.success(request, f"Draft invoice {invoice.display_number} created.")
            return redirect("billing:invoice_detail", pk=invoice.pk)
        return _invoice_form_page(request, form, formset, lines_errors=lines_errors)
    settings_row = general_settings()
    # The default entity, or the only one there is.
    entities = list(Entity.objects.order_by("-is_default", "name")[:2])
    default_entity = entities[0] if entities and (entities[0].is_default or len(entities) == 1) else None
    form = InvoiceForm(initial={
        "issued_on": trading_day(timezone.now(), settings_row.default_time_zone),
        "currency": settings_row.default_currency,
        "entity": default_entity.pk if default_entity else None,
    })
    return _invoice_form_page(request, form, InvoiceLineFormSet(prefix="lines"))


@rule("billing.edit")
def invoice_edit(request, pk: int):
    invoice = get_or_404(invoice_for_detail, pk)
    if request.method == "POST":
        # Posted even if the invoice was approved meanwhile: the service refuses, and the page keeps
        # what the user typed with the reason on top.
        form = InvoiceForm(request.POST, instance=get_or_404(invoice_for_detail, pk))
        formset = InvoiceLineFormSet(request.POST, prefix="lines")
        saved, lines_errors = _save_invoice(
            form, formset,
            lambda lines, fields: invoice_update_draft(invoice=invoice, lines=lines, **fields),
        )
        if saved is not None:
            messages.success(request, f"Draft invoice {saved.display_number} saved.")
            return redirect("billing:invoice_detail", pk=saved.pk)
        return _invoice_form_page(request, form, formset, invoice, lines_errors)
    if invoice.status != InvoiceStatus.DRAFT:
        status = invoice.get_status_display()
        messages.error(request, f"{status} invoices can't be edited: invoice {invoice.display_number} is "
                                f"{status.lower()}, and only drafts can change.")
        return redirect("billing:invoice_detail", pk=invoice.pk)
    form = InvoiceForm(instance=invoice)
    formset = InvoiceLineFormSet(prefix="lines", initial=_initial_lines(invoice))
    return _invoice_form_page(request, form, formset, invoice)


@require_POST
@rule("billing.edit")
def invoice_approve_view(request, pk: int):
    invoice = get_or_404(invoice_for_detail, pk)
    try:
        invoice = invoice_approve(invoice=invoice, approved_by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invoice {invoice.display_number} approved: due {invoice.due_on:%d/%m/%Y}.")
    return redirect("billing:invoice_detail", pk=pk)


@require_POST
@rule("billing.edit")
def invoice_cancel_view(request, pk: int):
    invoice = get_or_404(invoice_for_detail, pk)
    try:
        invoice = invoice_cancel(invoice=invoice, cancelled_by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invoice {invoice.display_number} cancelled.")
    return redirect("billing:invoice_detail", pk=pk)
