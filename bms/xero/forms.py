from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from django import forms

from bms.core.dates import DateInRangeField
from bms.core.text import counted
from bms.xero.models import InvoiceStatusInXero, XeroTenant
from bms.xero.models_tracking import TrackingStatus, XeroTrackingCategory, XeroTrackingOption
from bms.xero.services.connect_options import TenantOptions
from bms.xero.services.go_live_settings import ConnectChoices

INHERIT = "inherit"


class ConnectTenantForm(forms.Form):
    tenant = forms.ChoiceField(label="Xero organisation", widget=forms.RadioSelect)
    invoice_status = forms.ChoiceField(
        label="Status of invoices created in Xero",
        choices=InvoiceStatusInXero.choices,
        initial=InvoiceStatusInXero.AUTHORISED,
        help_text="Approved invoices are posted to the ledger at once; drafts and invoices awaiting approval "
        "wait for someone in Xero to approve them.",
    )
    go_live_on = DateInRangeField(
        label="Send documents dated on or after",
        help_text="The go-live date. Invoices and journals dated before it are never sent: they stay in BMS as "
        "history and show “Before go-live — not sent”. Suggested: the first day of this month, so Xero's books "
        "start on a period boundary. Once anything was sent, it can only move later.",
    )
    zero_rate_tax_type = forms.ChoiceField(
        label="Tax type for lines without a tax rate", required=False,
        help_text="Every line goes to Xero with a tax type; a line with no tax rate in BMS goes with this one. "
        "Only the organisation's tax rates at 0% that apply to sales (CanApplyToRevenue) are offered; “reports "
        "as” is where Xero puts the line on the tax return (ReportTaxType).",
    )
    journal_tax_type = forms.ChoiceField(
        label="Tax type for cost-of-sales journal lines", required=False,
        help_text="Journals move costs and stock, not sales: only 0% tax rates that apply to expenses and assets "
        "are offered, so the journals stay off the tax return's sales and purchases.",
    )
    payments_account = forms.ChoiceField(
        label="Account for payments entered in BMS before connecting", required=False,
        help_text="Invoices dated on or after the go-live date that were paid in BMS before connecting are sent "
        "with their payments, to this account. Only bank accounts and accounts with “Enable payments to this "
        "account” ticked in Xero are offered: Xero takes payments to no other.",
    )
    confirm_relink = forms.BooleanField(
        label="Relink to this organisation",
        required=False,
        help_text="Only needed when this entity's records were synced to a different Xero organisation.",
    )

    def __init__(
        self, *args: Any, tenants: Sequence[XeroTenant], allow_inherit: bool, organisation_name: str = "",
        options: dict[str, TenantOptions] | None = None, settled_since: Callable[[date], int] | None = None,
        refunded_since: Callable[[date], int] | None = None, **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        choices = [(str(t.pk), f"{t.name}" + (f" ({t.short_code})" if t.short_code else "")) for t in tenants]
        if allow_inherit:
            choices.insert(0, (INHERIT, f"Use {organisation_name}'s Xero organisation"))
        self._set_choices("tenant", choices)
        self.tenants = {str(t.pk): t for t in tenants}
        self.options = options or {}
        self.settled_since = settled_since or (lambda _day: 0)
        self.refunded_since = refunded_since or (lambda _day: 0)
        groups = list(self.options.values())
        self._set_choices("zero_rate_tax_type", [("", "—")] + [
            (o.tenant.name, [(t.tax_type, t.label) for t in o.zero_rate]) for o in groups])
        self._set_choices("journal_tax_type", [("", "—")] + [
            (o.tenant.name, [(t.tax_type, t.label) for t in o.journal]) for o in groups])
        self._set_choices("payments_account", [("", "— none —")] + [
            (o.tenant.name, [(a.code, a.label) for a in o.accounts]) for o in groups])

    def _set_choices(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice = data.get("tenant")
        if not choice or choice == INHERIT:
            data["choices"] = ConnectChoices(go_live_on=data.get("go_live_on"))
            return data
        options = self.options.get(choice)
        if options is None or options.problem:
            self.add_error(None, (options.problem if options else "") + " Try again in a few minutes.")
            return data
        zero = options.zero_rate_option(data.get("zero_rate_tax_type") or "")
        if zero is None:
            self.add_error("zero_rate_tax_type", f"Choose one of {options.tenant.name}'s tax types at 0% for sales.")
        journal = options.journal_option(data.get("journal_tax_type") or "")
        if journal is None:
            self.add_error("journal_tax_type", f"Choose one of {options.tenant.name}'s tax types at 0% for journals.")
        account = options.account_option(data.get("payments_account") or "")
        if data.get("payments_account") and account is None:
            self.add_error("payments_account", f"Choose a bank account of {options.tenant.name}, or one that takes "
                           "payments.")
        go_live_on = data.get("go_live_on")
        settled = self.settled_since(go_live_on) if go_live_on else 0
        refunded = self.refunded_since(go_live_on) if go_live_on and not settled else 0
        if settled and account is None and not self.has_error("payments_account"):
            self.add_error("payments_account", f"{counted(settled, 'invoice')} dated on or after "
                                               f"{go_live_on:%d/%m/%Y} were "
                           "paid in BMS before connecting: choose the account their payments go to in Xero.")
        elif refunded and account is None and not self.has_error("payments_account"):
            self.add_error("payments_account", f"{counted(refunded, 'credit note')} dated on or after "
                                               f"{go_live_on:%d/%m/%Y} had credit refunded in BMS before it was "
                                               "sent: choose the account the refunds go to in Xero.")
        data["choices"] = ConnectChoices(go_live_on=go_live_on, zero_rate=zero, journal_tax=journal,
                                         payments_account=account)
        return data


class EntityTrackingForm(forms.Form):
    """One select per active tracking category of the entity's organisation, each offering only that
    category's active options: Xero refuses an archived one on a line, so it is never offered."""

    def __init__(self, *args: Any, categories: Sequence[XeroTrackingCategory], current: dict[int, int],
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.categories = list(categories)
        for category in self.categories:
            field = forms.ModelChoiceField(
                queryset=category.options.filter(status=TrackingStatus.ACTIVE).order_by("name"), required=False,
                label=category.name, empty_label=f"No {category.name}",
                help_text=f"The active options of {category.name} in Xero; archived ones are not offered.",
                initial=current.get(category.pk))
            field.error_messages["invalid_choice"] = (
                f"That option is not an active option of {category.name} in Xero: read from Xero and choose again.")
            self.fields[f"category_{category.pk}"] = field

    def chosen(self) -> list[XeroTrackingOption | None]:
        return [self.cleaned_data.get(f"category_{category.pk}") for category in self.categories]


class TrackingOptionCreateForm(forms.Form):
    name = forms.CharField(label="New option", max_length=100, strip=True,
                           help_text="Created in Xero, in this category, then offered in the menus.")
