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


CENT = Decimal("0.01")
TOO_BIG = f"Enter an amount below {AMOUNT_LIMIT:,}."


class MoneyField(forms.DecimalField):
    """An amount a person types: to the cent, at least 0.01, below AMOUNT_LIMIT. One plain message per
    mistake (Django would say "greater than or equal to 0.01", or two things at once for 1e30), and the
    amount kept in cents, so a refusal that quotes it reads 120.00, as the figures beside it do."""

    def __init__(self, label: str, **extra) -> None:
        super().__init__(label=label, max_digits=14, decimal_places=2, min_value=CENT, max_value=AMOUNT_LIMIT - 1,
                         error_messages={"invalid": "Enter the amount as a number, e.g. 120.50.",
                                         "max_decimal_places": "Enter the amount to the cent: at most 2 decimal "
                                                               "places.",
                                         "max_digits": TOO_BIG, "max_whole_digits": TOO_BIG}, **extra)

    def to_python(self, value):
        amount = super().to_python(value)
        if amount is None or not amount.is_finite():
            return amount  # empty, or "Enter the amount as a number" from validate()
        if amount < CENT:
            raise forms.ValidationError("Enter an amount of at least 0.01.", code="min_value")
        if amount >= AMOUNT_LIMIT:
            raise forms.ValidationError(TOO_BIG, code="max_value")
        return amount.quantize(CENT) if amount.as_tuple().exponent >= -2 else amount


class CreditFromInvoiceForm(forms.Form):
    """How much of an invoice to credit. One quantity field per invoice line (`quantity_<line id>`),
    so the chosen lines post back exactly as typed when the service refuses them."""

    mode = forms.ChoiceField(choices=MODES, widget=forms.RadioSelect, initial="whole", label="Credit")
    amount = MoneyField("Amount", required=False, help_text="Tax included; spread over the invoice's tax rates.")
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
            most = (f"At most {left.get(line.pk, Decimal(0)).normalize():f} of “{line.description}” can still be "
                    "credited.")
            self.fields[name] = forms.DecimalField(
                required=False, max_digits=14, decimal_places=4, min_value=Decimal("0"), label=label,
                help_text=f"at most {left.get(line.pk, Decimal(0)):f}",
                widget=forms.NumberInput(attrs={"aria-label": f"{label} to credit"}),
                error_messages={"min_value": "Enter 0 or more; leave it blank to credit none of this line.",
                                "max_digits": most, "max_whole_digits": most,
                                "max_decimal_places": "Enter the quantity with at most 4 decimal places.",
                                "invalid": "Enter the quantity as a number, e.g. 2."})
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

    invoice = forms.ModelChoiceField(queryset=Invoice.objects.none(), empty_label="— choose an invoice —",
                                     error_messages={"required": "Choose the invoice to allocate the credit to."})
    amount = MoneyField("Amount")
    allocated_on = DateInRangeField(label="Date")

    def __init__(self, *args, credit_note: CreditNote, **kwargs):
        # Its own ids: the refund form on the same page has an Amount too, and a label must find its field.
        kwargs.setdefault("auto_id", "id_allocate_%s")
        super().__init__(*args, **kwargs)
        # Offered: what the service would accept. A refused choice still gets the service's reason.
        self.fields["invoice"].queryset = Invoice.objects.filter(
            customer_id=credit_note.customer_id, entity_id=credit_note.entity_id, currency=credit_note.currency,
            status__in=[InvoiceStatus.APPROVED, InvoiceStatus.PROCESSED], balance_amount__gt=0,
        ).select_related("entity").order_by("issued_on", "number")
        self.fields["invoice"].label_from_instance = lambda invoice: (
            f"{invoice.display_number} — {invoice.balance_amount} {invoice.currency} owed")


class RefundForm(forms.Form):
    amount = MoneyField("Amount")
    paid_on = DateInRangeField(label="Paid on")
    reference = forms.CharField(max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_refund_%s")
        super().__init__(*args, **kwargs)
