from django.contrib.auth import views as auth_views
from django.shortcuts import redirect

from bms.core.access import AUTHENTICATED, PUBLIC, rule, user_can


@rule(AUTHENTICATED)
def home(request):
    # Finance and staff start where they work; admins on the entities screen.
    if user_can(request.user, "admin.view"):
        return redirect("entities:entity_list")
    return redirect("billing:invoice_list")


class LoginView(auth_views.LoginView):
    access_rule = PUBLIC
    redirect_authenticated_user = True


# Django's LogoutView is POST-only; it needs a rule like every other view.
auth_views.LogoutView.access_rule = AUTHENTICATED
