"""What every page needs: the menu the user's role may see, and `can` for buttons."""

from dataclasses import dataclass

from django.urls import reverse

from bms.core.access import Can, user_can


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    permission: str


MENU: list[tuple[str, list[MenuItem]]] = [
    (
        "Billing",
        [
            MenuItem("Customers", "billing:customer_list", "billing.view"),
            MenuItem("Invoices", "billing:invoice_list", "billing.view"),
            MenuItem("Credit Notes", "billing:credit_note_list", "billing.view"),
        ],
    ),
    ("Stock", [MenuItem("Dispatches", "stock:dispatch_list", "stock.view")]),
    (
        "Admin",
        [
            MenuItem("General Settings", "preferences:general", "admin.view"),
            MenuItem("Entities", "entities:entity_list", "admin.view"),
            MenuItem("Accounts", "ledger:account_list", "admin.view"),
            MenuItem("Account Settings", "ledger:account_defaults", "admin.view"),
            MenuItem("Tracking", "xero:tracking", "admin.view"),
            MenuItem("Journals", "cogs:journal_list", "admin.view"),
            MenuItem("Background Jobs", "jobs:job_list", "jobs.view"),
            MenuItem("Reconciliation", "reconcile:reconciliation", "xero.reconcile"),
            MenuItem("Audit Log", "audit_log", "audit.view"),
        ],
    ),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": [], "can": Can(user)}
    menu = []
    for section, items in MENU:
        visible = [{"label": item.label, "url": reverse(item.url_name), "active": False}
                   for item in items if user_can(user, item.permission)]
        if visible:
            menu.append({"section": section, "items": visible})
    # Only the closest match is active: /admin/accounts/settings/ is Account Settings, not Accounts.
    matches = [item for section in menu for item in section["items"] if request.path.startswith(item["url"])]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    return {"menu": menu, "can": Can(user)}
