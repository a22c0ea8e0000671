"""Who may do what: one table of rules, applied to every view by one middleware.

Each view declares the permission it needs with `@rule("…")` (or `access_rule = "…"` on a
class-based view). The middleware refuses any view that declares nothing, so a new view
cannot ship unguarded by accident; `bms/core/tests/test_access.py` walks the URL list to
prove it.
"""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from bms.core.roles import Role

PUBLIC = "public"  # reachable without logging in (the login page)
AUTHENTICATED = "authenticated"  # any logged-in user
SUPERUSER = "superuser"  # the implementation partner

_ALL = frozenset(Role)
RULES: dict[str, frozenset[str]] = {
    AUTHENTICATED: _ALL,
    "billing.view": _ALL,
    "billing.edit": frozenset({Role.ADMIN, Role.FINANCE}),
    "stock.view": _ALL,
    "admin.view": frozenset({Role.ADMIN}),
    "admin.edit": frozenset({Role.ADMIN}),
    "jobs.view": frozenset({Role.ADMIN}),
    "jobs.retry": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN}),
    "xero.connect": frozenset({Role.ADMIN}),
    "xero.sync": frozenset({Role.ADMIN, Role.FINANCE}),
    "xero.journals": frozenset({Role.ADMIN}),  # journals live under Admin, so does their push
    SUPERUSER: frozenset(),
}


def user_can(user, permission: str) -> bool:
    if permission == PUBLIC:
        return True
    if permission not in RULES:
        raise KeyError(f"unknown permission {permission!r}")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return getattr(user, "role", None) in RULES[permission]


def rule(permission: str):
    """Declare the permission a function view needs."""
    if permission != PUBLIC and permission not in RULES:
        raise KeyError(f"unknown permission {permission!r}")

    def decorate(view):
        view.access_rule = permission
        return view

    return decorate


def view_rule(view_func) -> str | None:
    found = getattr(view_func, "access_rule", None)
    if found is None and hasattr(view_func, "view_class"):
        found = getattr(view_func.view_class, "access_rule", None)
    return found


class AccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        permission = view_rule(view_func)
        if permission is None:
            # Fail closed: an unguarded view is a bug, never an open door.
            raise PermissionDenied("This page has no access rule.")
        if permission == PUBLIC:
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user_can(request.user, permission):
            raise PermissionDenied("Your role does not allow this.")
        return None


class Can:
    """Template helper: `{% if can.billing_edit %}` asks user_can(user, "billing.edit")."""

    def __init__(self, user):
        self._user = user

    def __getattr__(self, name: str) -> bool:
        if name.startswith("_"):
            raise AttributeError(name)
        return user_can(self._user, name.replace("_", ".", 1))

    __getitem__ = __getattr__
