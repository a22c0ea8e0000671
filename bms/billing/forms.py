from decimal import Decimal

from django import forms

from bms.billing.models import Customer, Invoice, PaymentTerms
from bms.entities.models import Entity
from bms.ledger.models import Account, AccountClass, AccountStatus, TaxRate
from bms.ledger.selectors import product_accounts
from bms.stock.models import Product


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "code", "name", "email", "phone", "tax_number", "payment_terms",
            "postal_address_line1", "postal_address_line2", "postal_city", "postal_region", "postal_postcode",
            "postal_country", "street_address_line1", "street_address_line2", "street_city", "street_region",
            "street_postcode", "street_country", "is_active",
        ]
        labels = {"code": "Customer code", "tax_number": "Tax number (ABN / GST)", "is_active": "Active"}
        help_texts = {"code": "Sent to Xero as the contact's Contact Code; must be unique."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment_terms"].queryset = PaymentTerms.objects.order_by("name")
        self.fields["payment_terms"].empty_label = "Due on the invoice date"


class InvoiceForm(forms.ModelForm):
    class Meta:
        model = Invoice
        fields = ["entity", "customer", "issued_on", "currency", "line_amount_type", "reference"]
        labels = {"issued_on": "Invoice date", "line_amount_type": "Amounts are"}
        widgets = {"issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = Entity.objects.order_by("name")
        self.fields["customer"].queryset = Customer.objects.filter(is_active=True).order_by("name")
        self.fields["currency"].help_text = "Three-letter code, e.g. AUD."

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError("Enter a three-letter currency code, e.g. AUD.")
        return currency


class InvoiceLineForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.none(), required=False)
    description = forms.CharField(max_length=4000, required=False)
    quantity = forms.DecimalField(max_digits=14, decimal_places=4, required=False)
    unit_price = forms.DecimalField(max_digits=14, decimal_places=4, required=False, label="Unit price")
    account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False)
    tax_rate = forms.ModelChoiceField(queryset=TaxRate.objects.none(), required=False, label="Tax rate")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True).order_by("sku")
        self.fields["account"].queryset = Account.objects.filter(
            status=AccountStatus.ACTIVE, account_class=AccountClass.REVENUE, is_system=False, is_bank=False
        ).order_by("code")
        self.fields["tax_rate"].queryset = TaxRate.objects.filter(is_active=True).order_by("name")

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
            data["tax_rate"] = data.get("tax_rate") or product.tax_rate
        if not (data.get("description") or "").strip():
            self.add_error("description", "Describe the line (or choose a product).")
        quantity = data.get("quantity")
        if quantity is None:
            self.add_error("quantity", "Enter a quantity.")
        elif quantity <= 0:
            self.add_error("quantity", "The quantity must be more than zero.")
        price = data.get("unit_price")
        if price is None:
            self.add_error("unit_price", "Enter a unit price.")
        elif price < Decimal("0"):
            self.add_error("unit_price", "The unit price can't be negative.")
        if data.get("account") is None:
            self.add_error("account", "Choose the revenue account (or a product with one).")
        return data


InvoiceLineFormSet = forms.formset_factory(InvoiceLineForm, extra=3, can_delete=True)
