from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from bms.core.access import AUTHENTICATED, PUBLIC, rule, user_can
from bms.core.audit import ACTIONS
from bms.core.pagination import paginate
from bms.core.params import int_param, search_param
from bms.core.selectors import audit_actors, audit_events


@rule(AUTHENTICATED)
def home(request):
    # Finance and staff start where they work; admins on the entities screen.
    if user_can(request.user, "admin.view"):
        return redirect("entities:entity_list")
    return redirect("billing:invoice_list")


class LoginForm(AuthenticationForm):
    def clean_username(self):
        # Django's login form shows the 150-character limit but does not enforce it; without this a
        # 10,000-character username reaches the login throttle's 255-character column.
        username = self.cleaned_data["username"]
        if len(username) > 150:
            raise ValidationError("A username has at most 150 characters.")
        return username


class LoginView(auth_views.LoginView):
    access_rule = PUBLIC
    redirect_authenticated_user = True
    authentication_form = LoginForm


# Django's LogoutView is POST-only; it needs a rule like every other view.
auth_views.LogoutView.access_rule = AUTHENTICATED


def locked_out(request, original_response=None, credentials=None):
    """django-axes calls this when a username and address have used up their login attempts."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return render(request, "registration/locked_out.html",
                  {"username": username[:150], "minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
                  status=429)


@rule("audit.view")
def audit_log(request):
    """Admin → Audit Log: who changed the integration, newest first."""
    action = request.GET.get("action", "")
    if action not in ACTIONS:
        action = ""
    actor = request.GET.get("user", "")
    actor_id = int_param(actor)
    search = search_param(request.GET.get("q", ""))
    events = audit_events(action=action, actor_id=actor_id, search=search)
    context = {
        "actions": sorted(ACTIONS.items(), key=lambda item: item[1]),
        "labels": ACTIONS,
        "action": action,
        "actors": audit_actors(),
        "actor_id": actor_id,
        "q": search,
        **paginate(request, events),
    }
    return render(request, "core/audit_log.html", context)
