from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from bms.core.access import rule, user_can
from bms.core.errors import DomainError
from bms.core.pagination import paginate
from bms.core.params import search_param
from bms.ledger.forms import AccountDefaultsForm, AccountForm
from bms.ledger.models import Account, AccountClass, AccountStatus
from bms.ledger.selectors import account_defaults, accounts_list
from bms.ledger.services import account_create, account_defaults_update, account_update


@rule("admin.view")
def account_list(request):
    search = search_param(request.GET.get("q", ""))
    # Unknown filter values (an old bookmark, a typo in the URL) mean "all", not an error page.
    account_class = request.GET.get("class", "")
    account_class = account_class if account_class in AccountClass.values else ""
    status = request.GET.get("status", "")
    status = status if status in AccountStatus.values else ""
    context = {
        "search": search, "account_class": account_class, "status": status,
        "classes": AccountClass.choices, "statuses": AccountStatus.choices,
        **paginate(request, accounts_list(search=search, account_class=account_class, status=status)),
    }
    return render(request, "ledger/account_list.html", context)


def _account_form(request, account: Account | None = None):
    form = AccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        try:
            if account is None:
                saved = account_create(**form.cleaned_data)
            else:
                # A fresh row: form.is_valid() has already written the posted values onto `account`.
                saved = account_update(account=Account.objects.get(pk=account.pk), **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Account {saved.code} – {saved.name} saved.")
            return redirect("ledger:account_list")
    return render(request, "ledger/account_form.html", {"form": form, "account": account})


@rule("admin.edit")
def account_create_view(request):
    return _account_form(request)


@rule("admin.edit")
def account_edit(request, pk: int):
    return _account_form(request, get_object_or_404(Account, pk=pk))


@rule("admin.view")
def account_defaults_view(request):
    can_edit = user_can(request.user, "admin.edit")
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("Your role may see the account defaults but not change them.")
    defaults = account_defaults()
    initial = {
        "sales_account": defaults.sales_account_id, "cost_account": defaults.cost_account_id,
        "stock_account": defaults.stock_account_id, "expense_account": defaults.expense_account_id,
    }
    form = AccountDefaultsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            account_defaults_update(**form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Product account defaults saved.")
            return redirect("ledger:account_defaults")
    return render(request, "ledger/account_defaults.html", {"form": form, "can_edit": can_edit})
