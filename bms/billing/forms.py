from decimal import Decimal

from django import forms
from django.db.models import Q

from bms.billing.models import Invoice
from bms.core.dates import DateInRangeField
from bms.customers.models import Customer
from bms.entities.models import Entity
from bms.ledger.models import Account, TaxRate
from bms.ledger.selectors import account_defaults, accounts_for_role, product_accounts
from bms.preferences.currencies import is_known_currency
from bms.stock.models import Product


class InvoiceForm(forms.ModelForm):
    """The invoice header. Validation only: the draft is written by the billing services."""

    # Declared here so a wrong length gets the same plain message as any other bad code.
    currency = forms.CharField(
        help_text="Three-letter code, e.g. AUD.", widget=forms.TextInput(attrs={"maxlength": 3, "size": 4})
    )
    issued_on = DateInRangeField(label="Invoice date")

    class Meta:
        model = Invoice
        fields = ["entity", "customer", "issued_on", "currency", "line_amount_type", "reference"]
        labels = {"line_amount_type": "Amounts are"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = Entity.objects.order_by("name")
        customers = Q(is_active=True)
        if self.instance.pk:
            # The number belongs to the entity's sequence, so a draft keeps its entity.
            self.fields["entity"].disabled = True
            self.fields["entity"].help_text = "A draft keeps the entity it was numbered under."
            # A customer deactivated since the draft was written stays selectable on it.
            customers |= Q(pk=self.instance.customer_id)
        self.fields["customer"].queryset = Customer.objects.filter(customers).order_by("name")

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError("Enter a three-letter currency code, e.g. AUD.")
        if not is_known_currency(currency):
            raise forms.ValidationError(f"{currency} is not an ISO 4217 currency code.")
        return currency


# Invoice totals are stored with 16 digits, 2 after the point; tax is added on top, so lines stop
# well below that (PostgreSQL refuses an overflow outright, SQLite would store it silently).
AMOUNT_LIMIT = Decimal("1000000000000")


# The line's tax rate: blank means the product's rate, else the account's (what Xero would apply to the
# account); NO_TAX is an explicit choice of none, kept as such when the line is edited again.
NO_TAX = "none"
FROM_PRODUCT_OR_ACCOUNT = "Product's or account's rate"


def _number_messages(a: str, the: str) -> dict[str, str]:
    """A line's number (10 digits, 4 decimals) refused in words that say what to type, not Django's
    "Ensure that there are no more than 14 digits in total"."""
    too_big = f"Enter {a} below 10,000,000,000."
    return {"max_digits": too_big, "max_whole_digits": too_big,
            "max_decimal_places": f"Enter {the} with at most 4 decimal places."}


class InvoiceLineForm(forms.Form):
    """One invoice line; a blank row is ignored by the formset."""

    product = forms.ModelChoiceField(queryset=Product.objects.none(), required=False)
    description = forms.CharField(max_length=4000, required=False)
    # Django's own words for a number too long ("no more than 14 digits in total") don't say what to type.
    quantity = forms.DecimalField(max_digits=14, decimal_places=4, required=False,
                                  error_messages=_number_messages("a quantity", "the quantity"))
    unit_price = forms.DecimalField(max_digits=14, decimal_places=4, required=False, label="Unit price",
                                    error_messages=_number_messages("a unit price", "the unit price"))
    account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False)
    tax_rate = forms.ChoiceField(required=False, label="Tax rate")

    def __init__(self, *args, default_account_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True).order_by("sku")
        # The same filter as the Sales default on Admin → Accounts → Settings.
        self.fields["account"].queryset = accounts_for_role("sales")
        self.fields["tax_rate"].choices = [("", FROM_PRODUCT_OR_ACCOUNT), (NO_TAX, "No tax"), *[
            (str(rate.pk), rate.name) for rate in TaxRate.objects.filter(is_active=True).order_by("name")]]
        self.fields["product"].empty_label = "— none —"
        self.fields["account"].empty_label = "— choose —"
        # Blank rows post the preselected account too; as it equals the initial value, the row
        # still counts as unchanged and is ignored.
        self.fields["account"].initial = default_account_id
        for name, field in self.fields.items():
            # Rows sit under one table header, so each input carries its own accessible name.
            field.widget.attrs["aria-label"] = field.label or name.replace("_", " ").capitalize()

    def clean_tax_rate(self) -> TaxRate | str | None:
        chosen = self.cleaned_data.get("tax_rate") or ""
        if chosen in ("", NO_TAX):
            return chosen or None  # None: fill in from the product or account (clean, below)
        return TaxRate.objects.get(pk=int(chosen))  # one of the choices: ChoiceField checked that

    def clean(self):
        data = super().clean()
        if not self.has_changed() or self.cleaned_data.get("DELETE"):
            return data
        product = data.get("product")
        if product is not None:
            # A product fills what the user left blank.
            data["description"] = data.get("description") or product.name
            if data.get("unit_price") is None:
                data["unit_price"] = product.unit_price
            data["account"] = data.get("account") or product_accounts(product).sales
        if data.get("tax_rate") == NO_TAX:
            data["tax_rate"] = None
        elif data.get("tax_rate") is None and "tax_rate" not in self.errors:
            account = data.get("account")
            data["tax_rate"] = (product.tax_rate if product is not None else None) or (
                account.tax_rate if account is not None else None)
        if not (data.get("description") or "").strip():
            self.add_error("description", "Describe the line (or choose a product).")
        quantity = data.get("quantity")
        # A value the field already refused has its own message: one message per bad value.
        if quantity is None:
            if "quantity" not in self.errors:
                self.add_error("quantity", "Enter a quantity.")
        elif quantity <= 0:
            self.add_error("quantity", "The quantity must be more than zero.")
        price = data.get("unit_price")
        if price is None:
            if "unit_price" not in self.errors:
                self.add_error("unit_price", "Enter a unit price.")
        elif price < Decimal("0"):
            self.add_error("unit_price", "The unit price can't be negative.")
        if data.get("account") is None and "account" not in self.errors:
            self.add_error("account", "Choose the revenue account (or a product with one).")
        if quantity is not None and price is not None and quantity * price >= AMOUNT_LIMIT:
            self.add_error("unit_price", f"This line comes to more than {AMOUNT_LIMIT:,} — "
                                         "check the quantity and the unit price.")
        return data


class BaseInvoiceLineFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        # Read the default sales account once for all rows, not once per row.
        if not hasattr(self, "_default_account_id"):
            self._default_account_id = account_defaults().sales_account_id
        return {**super().get_form_kwargs(index), "default_account_id": self._default_account_id}

    def clean(self):
        if any(self.errors):
            return
        if not any(form.has_changed() and not self._should_delete_form(form) for form in self.forms):
            raise forms.ValidationError("Add at least one line.")
        total = sum((line["quantity"] * line["unit_price"] for line in self.line_values()), Decimal(0))
        if total >= AMOUNT_LIMIT:
            raise forms.ValidationError(f"The lines come to more than {AMOUNT_LIMIT:,} in total — "
                                        "check the quantities and unit prices.")

    def line_values(self) -> list[dict]:
        """The cleaned lines worth keeping: changed and not ticked for removal."""
        return [form.cleaned_data for form in self.forms
                if form.has_changed() and not self._should_delete_form(form)]


InvoiceLineFormSet = forms.formset_factory(
    InvoiceLineForm, formset=BaseInvoiceLineFormSet, extra=2, can_delete=True, max_num=500, validate_max=True
)
