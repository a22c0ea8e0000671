from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from bms.core.access import rule, user_can
from bms.core.errors import DomainError
from bms.preferences.forms import GeneralSettingsForm
from bms.preferences.selectors import general_settings
from bms.preferences.services import general_settings_update


@rule("admin.view")
def general(request):
    can_edit = user_can(request.user, "admin.edit")
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("Your role may see General Settings but not change them.")
    form = GeneralSettingsForm(request.POST if request.method == "POST" else None, instance=general_settings(),
                               can_change_package=request.user.is_superuser)
    if request.method == "POST" and form.is_valid():
        try:
            general_settings_update(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "General Settings saved.")
            return redirect("preferences:general")
    return render(request, "preferences/general.html", {"form": form, "can_edit": can_edit})
