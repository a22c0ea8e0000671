"""Named personas for tests: admin, finance, staff, the implementation partner, and
someone with no access (anonymous)."""

from django.contrib.auth import get_user_model

from bms.core.roles import Role

PASSWORD = "correct horse battery staple"


def make_user(username: str, *, role: str = Role.STAFF, is_superuser: bool = False, **extra):
    user_model = get_user_model()
    return user_model.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        is_superuser=is_superuser,
        is_staff=is_superuser,
        first_name=extra.pop("first_name", username.capitalize()),
        **extra,
    )


def persona(name: str):
    return {
        "admin": lambda: make_user("alice_admin", role=Role.ADMIN),
        "finance": lambda: make_user("fred_finance", role=Role.FINANCE),
        "staff": lambda: make_user("sam_staff", role=Role.STAFF),
        "partner": lambda: make_user("pat_partner", role=Role.ADMIN, is_superuser=True),
    }[name]()


def page_link(response, rel: str) -> str:
    """The query string of a list page's "next" or "prev" link, as the page itself renders it."""
    import html
    import re

    found = re.search(rf'<a href="\?([^"]*)" rel="{rel}">', response.content.decode())
    assert found, f"the page has no {rel} link"
    return "?" + html.unescape(found.group(1))
