from django import forms

from bms.ledger.models import Account, TaxRate
from bms.ledger.selectors import ROLE_FILTERS, accounts_for_role


class AccountForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = ["code", "name", "account_class", "account_type", "tax_rate", "status", "description",
                  "is_system", "is_bank", "accepts_manual_journals"]
        labels = {"account_class": "Account Class", "account_type": "Account Type", "tax_rate": "Tax Rate",
                  "is_system": "System account", "is_bank": "Bank account",
                  "accepts_manual_journals": "Takes manual journals"}
        help_texts = {
            "code": "Must equal the account's code in Xero.",
            "account_class": "Must match the type as Xero classes it, e.g. Direct costs → Expense.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tax_rate"].queryset = TaxRate.objects.filter(is_active=True).order_by("name")
        self.fields["tax_rate"].empty_label = "No default tax rate"


class AccountDefaultsForm(forms.Form):
    sales_account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False, label="Sales")
    cost_account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False, label="Cost")
    stock_account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False, label="Stock")
    expense_account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False, label="Expense")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for role, role_filter in ROLE_FILTERS.items():
            field = self.fields[f"{role}_account"]
            # The select offers only what the role allows, and validation uses the same queryset,
            # so a crafted POST with another account id is refused at the field.
            field.queryset = accounts_for_role(role)
            field.help_text = role_filter.help_text
            field.empty_label = "Not set"
            field.error_messages["invalid_choice"] = (
                f"That account can't be the {role_filter.label} account. {role_filter.help_text}"
            )
