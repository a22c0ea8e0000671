"""Who may do what: one table of rules, applied to every view by one middleware.

Each view declares the permission it needs with `@rule("…")` (or `access_rule = "…"` on a
class-based view). The middleware refuses any view that declares nothing, so a new view
cannot ship unguarded by accident; `bms/core/tests/test_access.py` walks the URL list to
prove it.

Core names only its own permissions. Every other app adds its own from its `AppConfig.ready()`:

    access_rules_register({"billing.view": ALL_ROLES, "billing.edit": {Role.ADMIN, Role.FINANCE}})

Django runs every `ready()` before it imports the URLconf, so by the time a view module calls
`@rule("billing.edit")` the name is known, and a misspelt or unregistered one still fails at import.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from bms.core.roles import Role

V = TypeVar("V", bound=Callable[..., Any])

PUBLIC = "public"  # reachable without logging in (the login page)
AUTHENTICATED = "authenticated"  # any logged-in user
SUPERUSER = "superuser"  # the implementation partner

ALL_ROLES = frozenset(Role)
# Permission → the roles that have it (superusers have every one). Core's own names here; the rest
# arrive through access_rules_register.
RULES: dict[str, frozenset[str]] = {
    AUTHENTICATED: ALL_ROLES,
    "admin.view": frozenset({Role.ADMIN}),  # the Admin menu: settings, entities, the chart
    "admin.edit": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN}),
    SUPERUSER: frozenset(),
}


def access_rules_register(rules: Mapping[str, Iterable[str]]) -> None:
    """Add an app's permissions (name → the roles that have it). Call it from `AppConfig.ready()`.

    Registering the same rule again is harmless; giving a known name other roles is refused, so two
    apps cannot quietly fight over one permission.
    """
    for permission, roles in rules.items():
        allowed = frozenset(Role(role) for role in roles)
        if permission == PUBLIC or RULES.get(permission, allowed) != allowed:
            raise ValueError(f"permission {permission!r} is already defined with other roles")
        RULES[permission] = allowed


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


def rule(permission: str) -> Callable[[V], V]:
    """Declare the permission a function view needs."""
    if permission != PUBLIC and permission not in RULES:
        raise KeyError(f"unknown permission {permission!r}")

    def decorate(view: V) -> V:
        view.access_rule = permission  # type: ignore[attr-defined]  # read back by AccessMiddleware
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
