"""Credit note forms: shape only. The rules (quantities left to credit, what an invoice still owes,
same customer and currency) are the services'; a refusal is shown beside the field it names."""

from decimal import Decimal

from django import forms

from bms.billing.forms import AMOUNT_LIMIT, InvoiceForm
from bms.billing.models import CreditNote, Invoice, InvoiceStatus
from bms.core.dates import DateInRangeField

MODES = [("whole", "The whole invoice (what is not yet credited)"),
         ("lines", "Chosen lines, with quantities"),
         ("amount", "An amount, tax included")]


def _money_field(label: str, **extra) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=14, decimal_places=2, min_value=Decimal("0.01"),
                              max_value=AMOUNT_LIMIT - 1, **extra)


class CreditFromInvoiceForm(forms.Form):
    """How much of an invoice to credit. One quantity field per invoice line (`quantity_<line id>`),
    so the chosen lines post back exactly as typed when the service refuses them."""

    mode = forms.ChoiceField(choices=MODES, widget=forms.RadioSelect, initial="whole", label="Credit")
    amount = _money_field("Amount", required=False, help_text="Tax included; spread over the invoice's tax rates.")
    issued_on = DateInRangeField(label="Credit note date")
    reference = forms.CharField(max_length=255, required=False)

    def __init__(self, *args, invoice: Invoice, left: dict[int, Decimal], **kwargs):
        super().__init__(*args, **kwargs)
        self.invoice_lines = list(invoice.lines.all())
        self.line_fields = []
        for line in self.invoice_lines:
            name = f"quantity_{line.pk}"
            label = f"Quantity of {line.description}"
            # The rows sit under one table header, so each input carries its own accessible name.
            self.fields[name] = forms.DecimalField(
                required=False, max_digits=14, decimal_places=4, min_value=Decimal("0"), label=label,
                help_text=f"at most {left.get(line.pk, Decimal(0)):f}",
                widget=forms.NumberInput(attrs={"aria-label": f"{label} to credit"}))
            self.line_fields.append((line, self[name], left.get(line.pk, Decimal(0))))

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == "amount" and data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", "Enter the amount to credit.")
        if mode == "lines":
            chosen = [(line, data.get(f"quantity_{line.pk}")) for line in self.invoice_lines]
            data["lines"] = [(line, quantity) for line, quantity in chosen if quantity]
            if not data["lines"] and not self.errors:
                raise forms.ValidationError("Enter a quantity on at least one line.")
        return data


class CreditNoteForm(InvoiceForm):
    """The header of a credit note for a customer alone; its lines use the invoice line formset."""

    class Meta(InvoiceForm.Meta):
        model = CreditNote
        labels = {"line_amount_type": "Amounts are"}

    issued_on = DateInRangeField(label="Credit note date")


class AllocateForm(forms.Form):
    """Apply credit to one of the customer's open invoices, in the credit note's currency."""

    invoice = forms.ModelChoiceField(queryset=Invoice.objects.none(), empty_label="— choose an invoice —")
    amount = _money_field("Amount")
    allocated_on = DateInRangeField(label="Date")

    def __init__(self, *args, credit_note: CreditNote, **kwargs):
        super().__init__(*args, **kwargs)
        # Offered: what the service would accept. A refused choice still gets the service's reason.
        self.fields["invoice"].queryset = Invoice.objects.filter(
            customer_id=credit_note.customer_id, entity_id=credit_note.entity_id, currency=credit_note.currency,
            status__in=[InvoiceStatus.APPROVED, InvoiceStatus.PROCESSED], balance_amount__gt=0,
        ).select_related("entity").order_by("issued_on", "number")
        self.fields["invoice"].label_from_instance = lambda invoice: (
            f"{invoice.display_number} — {invoice.balance_amount} {invoice.currency} owed")


class RefundForm(forms.Form):
    amount = _money_field("Amount")
    paid_on = DateInRangeField(label="Paid on")
    reference = forms.CharField(max_length=255, required=False)
