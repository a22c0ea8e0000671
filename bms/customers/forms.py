from django import forms

from bms.customers.models import Customer, PaymentTerms


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
