"""The role matrix: every persona × every view in the URL list × GET and POST, each cell with the
outcome written down here, independently of the access rules the apps register.

A new view fails `test_it_has_a_row_in_the_matrix_for_every_view` until someone decides here who
may use it; a rule changed in an app's apps.py (or core's access.py) without changing this table fails
the matrix itself.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from bms.core.roles import Role
from bms.core.testing import make_user, persona

PERSONAS = ("anonymous", "staff", "finance", "admin", "superuser", "partner")

# Who may use each view (any method). The superuser and the implementation partner may use all.
EVERYONE = frozenset(PERSONAS)
LOGGED_IN = EVERYONE - {"anonymous"}
ADMINS = frozenset({"admin", "superuser", "partner"})
FINANCE = ADMINS | {"finance"}

MATRIX: dict[str, frozenset[str]] = {
    "home": LOGGED_IN,
    "login": EVERYONE,
    "logout": LOGGED_IN,
    "preferences:general": ADMINS,
    "entities:entity_list": ADMINS,
    "entities:entity_create": ADMINS,
    "entities:entity_detail": ADMINS,
    "entities:entity_edit": ADMINS,
    "ledger:account_list": ADMINS,
    "ledger:account_create": ADMINS,
    "ledger:account_edit": ADMINS,
    "ledger:account_defaults": ADMINS,
    "cogs:journal_list": ADMINS,
    "cogs:journal_detail": ADMINS,
    "jobs:job_list": FINANCE,  # a finance user sees the jobs they started (bms/jobs/tests/test_views.py)
    "jobs:job_detail": FINANCE,
    "jobs:job_retry": ADMINS,
    "jobs:job_resend": FINANCE,
    "audit_log": ADMINS,
    "billing:customer_list": LOGGED_IN,
    "billing:customer_create": FINANCE,
    "billing:customer_detail": LOGGED_IN,
    "billing:customer_edit": FINANCE,
    "billing:invoice_list": LOGGED_IN,
    "billing:invoice_create": FINANCE,
    "billing:invoice_detail": LOGGED_IN,
    "billing:invoice_edit": FINANCE,
    "billing:invoice_approve": FINANCE,
    "billing:invoice_cancel": FINANCE,
    "billing:invoice_correct": FINANCE,
    "billing:credit_note_from_invoice": FINANCE,
    "billing:credit_note_list": LOGGED_IN,
    "billing:credit_note_create": FINANCE,
    "billing:credit_note_detail": LOGGED_IN,
    "billing:credit_note_edit": FINANCE,
    "billing:credit_note_release": FINANCE,
    "billing:credit_note_cancel": FINANCE,
    "billing:credit_allocate": FINANCE,
    "billing:credit_allocation_reverse": FINANCE,
    "billing:refund_record": FINANCE,
    "billing:refund_reverse": FINANCE,
    "stock:dispatch_list": LOGGED_IN,
    "stock:dispatch_detail": LOGGED_IN,
    "xero:callback": ADMINS,
    "xero:authenticate": ADMINS,
    "xero:consent": ADMINS,
    "xero:connect_tenant": ADMINS,
    "xero:remove_authentication": ADMINS,
    "xero:customer_sync": FINANCE,
    "xero:customer_unlink": ADMINS,
    "xero:customers_sync_all": ADMINS,
    "xero:contact_unarchive": FINANCE,
    "xero:contact_relink": FINANCE,
    "xero:invoice_sync": FINANCE,
    "xero:credit_note_sync": FINANCE,
    "xero:invoices_push_all": FINANCE,
    "xero:invoice_cancel_to_match": FINANCE,
    "xero:invoice_accept_difference": FINANCE,
    "xero:invoice_differs_resend": FINANCE,
    "xero:invoice_differs_cancel": FINANCE,
    "xero:chart_compare": ADMINS,
    "xero:chart_sync": ADMINS,
    "xero:tracking": ADMINS,
    "xero:tracking_read": ADMINS,
    "xero:tracking_option_new": ADMINS,
    "xero:journal_push": ADMINS,
    "xero:incident_retry": ADMINS,
    "reconcile:reconciliation": FINANCE,
    "reconcile:run_now": FINANCE,
    "reconcile:repair": FINANCE,
    "xero:entity_check": FINANCE,
    "xero:payments_pull_now": FINANCE,
    "xero:check_start": FINANCE,
}


def _routes(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", "/" + prefix + str(entry.pattern)


def _path(route: str) -> str:
    # No such record: an allowed role reaches the view (and gets 404 or 405), a refused one never does.
    return re.sub(r"<(?:\w+:)?\w+>", "999999", route)


ROUTES = sorted(_routes(get_resolver()))


def test_it_has_a_row_in_the_matrix_for_every_view():
    names = {name for name, _ in ROUTES}
    assert names - set(MATRIX) == set(), "new views: decide who may use them in MATRIX"
    assert set(MATRIX) - names == set(), "MATRIX lists views that no longer exist"


def _user(name: str):
    if name == "anonymous":
        return None
    if name == "superuser":
        # A superuser whose role is only staff: being a superuser is what counts.
        return make_user("sue_superuser", role=Role.STAFF, is_superuser=True)
    return persona(name)


@pytest.mark.django_db
@pytest.mark.parametrize("who", PERSONAS)
def test_it_gives_each_persona_exactly_the_cells_of_the_matrix(who):
    user = _user(who)
    client = Client(raise_request_exception=False)
    wrong = []
    for name, route in ROUTES:
        for method in ("get", "post"):
            if user is not None:
                client.force_login(user)  # logout (a POST) ends the session; every cell starts logged in
            response = getattr(client, method)(_path(route))
            location = response.get("Location", "")
            if who in MATRIX[name]:
                refused = response.status_code == 403 or location.startswith("/login/?")
                if refused or response.status_code >= 500:
                    wrong.append(f"{method.upper()} {name}: expected allowed, got {response.status_code} {location}")
            elif who == "anonymous":
                if not (response.status_code == 302 and location.startswith("/login/?next=")):
                    wrong.append(f"{method.upper()} {name}: expected the login page, got {response.status_code}")
            elif response.status_code != 403 or b"Not allowed" not in response.content:
                wrong.append(f"{method.upper()} {name}: expected 403 Not allowed, got {response.status_code}")
    assert wrong == []
