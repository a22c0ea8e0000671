from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bms.billing.forms import CustomerForm, InvoiceForm, InvoiceLineFormSet
from bms.billing.models import Customer, Invoice, InvoiceLine, InvoiceStatus
from bms.billing.selectors import customers_list, invoices_list
from bms.billing.services import (
    InvoiceLineData,
    customer_create,
    customer_update,
    invoice_approve,
    invoice_cancel,
    invoice_create,
    invoice_update_draft,
)
from bms.core.access import rule
from bms.core.errors import DomainError
from bms.core.pagination import paginate
from bms.core.tz import trading_day
from bms.entities.models import Entity
from bms.preferences.selectors import general_settings

# --- customers --------------------------------------------------------------------------------


@rule("billing.view")
def customer_list(request):
    search = request.GET.get("q", "").strip()
    return render(request, "billing/customer_list.html", {"search": search,
                                                          **paginate(request, customers_list(search=search))})


@rule("billing.view")
def customer_detail(request, pk: int):
    customer = get_object_or_404(Customer.objects.select_related("payment_terms"), pk=pk)
    invoices = invoices_list(customer_id=customer.pk)[:20]
    return render(request, "billing/customer_detail.html", {"customer": customer, "invoices": invoices})


def _save_customer(request, form, customer=None):
    fields = {name: value for name, value in form.cleaned_data.items()}
    try:
        if customer is None:
            return customer_create(**fields)
        return customer_update(customer=customer, **fields)
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return None


@rule("billing.edit")
def customer_create_view(request):
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        customer = _save_customer(request, form)
        if customer is not None:
            messages.success(request, f"Customer {customer.name} created.")
            return redirect("billing:customer_detail", pk=customer.pk)
    return render(request, "billing/customer_form.html", {"form": form, "customer": None})


@rule("billing.edit")
def customer_edit(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        saved = _save_customer(request, form, customer=Customer.objects.get(pk=pk))
        if saved is not None:
            messages.success(request, f"Customer {saved.name} saved.")
            return redirect("billing:customer_detail", pk=saved.pk)
    return render(request, "billing/customer_form.html", {"form": form, "customer": customer})


# --- invoices ---------------------------------------------------------------------------------


@rule("billing.view")
def invoice_list(request):
    search = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    status = status if status in InvoiceStatus.values else ""
    entity_id = request.GET.get("entity", "")
    entity_id = int(entity_id) if entity_id.isdigit() else None
    invoices = invoices_list(search=search, status=status, entity_id=entity_id)
    context = {
        "search": search, "status": status, "entity_id": entity_id, "statuses": InvoiceStatus.choices,
        "entities": Entity.objects.order_by("name"), **paginate(request, invoices),
    }
    return render(request, "billing/invoice_list.html", context)


@rule("billing.view")
def invoice_detail(request, pk: int):
    invoice = get_object_or_404(
        Invoice.objects.select_related("entity", "customer", "created_by").prefetch_related(
            Prefetch("lines", queryset=InvoiceLine.objects.select_related("account", "tax_rate", "product"))
        ),
        pk=pk,
    )
    return render(request, "billing/invoice_detail.html", {"invoice": invoice, "payments": invoice.payments.all()})


def _line_data(formset) -> list[InvoiceLineData]:
    lines = []
    for form in formset.forms:
        if not form.has_changed() or form.cleaned_data.get("DELETE"):
            continue
        data = form.cleaned_data
        lines.append(InvoiceLineData(
            description=data["description"], quantity=data["quantity"], unit_price=data["unit_price"],
            account=data["account"], tax_rate=data.get("tax_rate"), product=data.get("product"),
        ))
    return lines


def _initial_lines(invoice: Invoice) -> list[dict]:
    return [
        {"product": line.product_id, "description": line.description, "quantity": line.quantity,
         "unit_price": line.unit_price, "account": line.account_id, "tax_rate": line.tax_rate_id}
        for line in invoice.lines.all()
    ]


def _invoice_form_page(request, form, formset, invoice=None):
    return render(request, "billing/invoice_form.html", {"form": form, "formset": formset, "invoice": invoice})


@rule("billing.edit")
def invoice_create_view(request):
    if request.method == "POST":
        form = InvoiceForm(request.POST)
        formset = InvoiceLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            lines = _line_data(formset)
            if not lines:
                formset_error = "Add at least one line."
                form.add_error(None, formset_error)
            else:
                try:
                    invoice = invoice_create(lines=lines, created_by=request.user, **form.cleaned_data)
                except DomainError as exc:
                    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                else:
                    messages.success(request, f"Draft invoice {invoice.display_number} created.")
                    return redirect("billing:invoice_detail", pk=invoice.pk)
        return _invoice_form_page(request, form, formset)
    settings_row = general_settings()
    default_entity = Entity.objects.filter(is_default=True).first()
    form = InvoiceForm(initial={
        "issued_on": trading_day(timezone.now(), settings_row.default_time_zone),
        "currency": settings_row.default_currency,
        "entity": default_entity.pk if default_entity else None,
    })
    return _invoice_form_page(request, form, InvoiceLineFormSet(prefix="lines"))


@rule("billing.edit")
def invoice_edit(request, pk: int):
    invoice = get_object_or_404(Invoice.objects.select_related("entity"), pk=pk)
    if invoice.status != InvoiceStatus.DRAFT:
        messages.error(request, f"Invoice {invoice.display_number} is {invoice.get_status_display().lower()}: "
                                "only drafts can be edited.")
        return redirect("billing:invoice_detail", pk=invoice.pk)
    if request.method == "POST":
        form = InvoiceForm(request.POST, instance=Invoice.objects.get(pk=pk))
        formset = InvoiceLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            lines = _line_data(formset)
            if not lines:
                form.add_error(None, "Add at least one line.")
            else:
                try:
                    invoice = invoice_update_draft(invoice=invoice, lines=lines, **form.cleaned_data)
                except DomainError as exc:
                    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                else:
                    messages.success(request, f"Draft invoice {invoice.display_number} saved.")
                    return redirect("billing:invoice_detail", pk=invoice.pk)
        return _invoice_form_page(request, form, formset, invoice)
    form = InvoiceForm(instance=invoice)
    formset = InvoiceLineFormSet(prefix="lines", initial=_initial_lines(invoice))
    return _invoice_form_page(request, form, formset, invoice)


@require_POST
@rule("billing.edit")
def invoice_approve_view(request, pk: int):
    invoice = get_object_or_404(Invoice, pk=pk)
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
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        invoice = invoice_cancel(invoice=invoice, cancelled_by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invoice {invoice.display_number} cancelled.")
    return redirect("billing:invoice_detail", pk=pk)
