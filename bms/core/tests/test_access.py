"""Every URL has an access rule, and the rules hold for each persona."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from bms.core.access import PUBLIC, RULES, AccessMiddleware, rule, user_can, view_rule


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_it_has_an_access_rule_on_every_view_in_the_url_list():
    unguarded = [route for route, callback in _patterns(get_resolver()) if view_rule(callback) is None]
    assert unguarded == [], f"views without @rule(...): {unguarded}"


def test_it_knows_every_rule_a_view_declares():
    declared = {view_rule(callback) for _, callback in _patterns(get_resolver())}
    assert declared <= set(RULES) | {PUBLIC}


def test_it_refuses_a_view_that_declares_no_rule(rf, admin_user):
    from django.core.exceptions import PermissionDenied

    request = rf.get("/anything/")
    request.user = admin_user
    with pytest.raises(PermissionDenied):
        AccessMiddleware(lambda r: None).process_view(request, lambda r: None, (), {})


def test_it_refuses_to_declare_an_unknown_permission():
    with pytest.raises(KeyError):
        rule("billing.delete_everything")


@pytest.mark.django_db
def test_it_gives_each_role_exactly_its_permissions(admin_user, finance_user, staff_user, partner_user):
    assert user_can(admin_user, "admin.edit") and user_can(admin_user, "billing.edit")
    assert not user_can(admin_user, "superuser")
    assert user_can(finance_user, "billing.edit") and not user_can(finance_user, "admin.view")
    assert user_can(staff_user, "billing.view") and not user_can(staff_user, "billing.edit")
    assert not user_can(staff_user, "jobs.view")
    assert all(user_can(partner_user, permission) for permission in RULES)


@pytest.mark.django_db
def test_it_refuses_inactive_users(admin_user):
    admin_user.is_active = False
    assert not user_can(admin_user, "billing.view")


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_it_shows_the_login_page_to_anyone(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Log in" in response.content


@pytest.mark.django_db
def test_it_logs_in_through_the_form_with_csrf(admin_user):
    from bms.core.testing import PASSWORD

    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login"))
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("login"), {"username": admin_user.username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_it_refuses_a_login_form_posted_without_csrf(admin_user):
    from bms.core.testing import PASSWORD

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": admin_user.username, "password": PASSWORD})
    assert response.status_code == 403
    assert b"security token" in response.content


@pytest.mark.django_db
def test_it_refuses_a_staff_user_on_an_admin_screen(staff_client):
    response = staff_client.get("/admin/settings/")
    assert response.status_code == 403
    assert b"Not allowed" in response.content


@pytest.mark.django_db
def test_it_shows_only_the_menu_the_role_may_use(staff_client, admin_client):
    staff_page = staff_client.get(reverse("home"), follow=True)
    admin_page = admin_client.get(reverse("home"), follow=True)
    assert b"Background Jobs" not in staff_page.content
    assert b"Background Jobs" in admin_page.content


@pytest.mark.django_db
def test_it_marks_only_the_closest_menu_item_active(admin_client):
    response = admin_client.get(reverse("ledger:account_defaults"))
    active = [item["label"] for section in response.context["menu"] for item in section["items"] if item["active"]]
    assert active == ["Account Settings"]
