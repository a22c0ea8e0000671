"""The user guide quotes the app truthfully: every screen, button, menu, column, field label and
status the guide writes as `**Name**{.ui}` appears on a screen of the running app.

The screens are rendered the way an admin sees them on the demo: `seed_demo`'s data, the AU
organisation connected to the local Xero sandbox (so the Xero panels show their buttons), a customer
and an invoice synced (so the panels show Last Push, Xero Identifier, View Xero Invoice), a failed
job with a grouped error (Re-trigger, Errors by cause), the relink guard's checkbox, and what a staff
user and a visitor see (Not allowed, the login page). Then every GET URL of the URL conf is fetched,
object pages for every kind of object included.

Names of Xero's own screens (its consent page) are not the app's: the guide writes them in italics."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from bms.billing.models import CreditNote, CreditNoteStatus, Invoice, InvoiceStatus
from bms.cogs.models import CostOfSalesJournal, JournalStatus
from bms.core.testing import persona
from bms.customers.models import Customer
from bms.demo.data import seed_demo
from bms.entities.models import Entity
from bms.jobs.models import Job, JobLogEntry, JobStatus, LogLevel
from bms.ledger.models import Account, AccountStatus
from bms.stock.models import Dispatch
from bms.xero.auth.incidents import connection_refused, grant_refused
from bms.xero.client.refusals import Refusal, RefusalKind
from bms.xero.models import LinkStatus, XeroTenant
from bms.xero.reconcile.run import reconciliation_run
from bms.xero.selectors import entity_tenant
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import authenticate, connect, sandbox, xero_settings  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = Path(__file__).resolve().parents[1] / "docs"
UI_NAME = re.compile(r"\*\*([^*]+?)\*\*\{\.ui\}")


def quoted_ui_names() -> dict[str, set[str]]:
    """{name part: the guide pages quoting it}; a menu path counts as each of its " → " parts."""
    names: dict[str, set[str]] = {}
    for page in sorted(DOCS.glob("*.md")):
        for match in UI_NAME.finditer(page.read_text(encoding="utf-8")):
            for part in " ".join(match.group(1).split()).split(" → "):
                names.setdefault(part.strip(), set()).add(page.name)
    return names


class _VisibleText(HTMLParser):
    """The text a person can read on the page: everything but scripts and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self._hidden += 1
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _get_urls(patterns, prefix: str = "", namespace: str = ""):
    """(url name, route) for every pattern of the URL conf."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            child_ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _get_urls(pattern.url_patterns, prefix + str(pattern.pattern), child_ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern)


def _objects_for(route: str, name: str) -> list[int]:
    """Primary keys worth rendering for a route that takes one: an object of each interesting kind."""
    if "<id:pk>" not in route:
        return []
    if route.startswith("admin/entities/") or route.startswith("xero/entities/"):
        return list(Entity.objects.order_by("pk").values_list("pk", flat=True))
    if route.startswith("billing/customers/") or route.startswith("xero/customers/"):
        synced = Customer.objects.filter(xero_links__isnull=False).values_list("pk", flat=True)[:1]
        return list(synced) + list(Customer.objects.exclude(pk__in=list(synced)).values_list("pk", flat=True)[:1])
    if route.startswith("billing/invoices/") or route.startswith("xero/invoices/"):
        # One per status, and the pushed one, so every panel variant (draft, cancelled, pushed) shows.
        pks = set(Invoice.objects.filter(xero_links__isnull=False).values_list("pk", flat=True)[:1])
        for status in InvoiceStatus.values:
            first = Invoice.objects.filter(status=status).order_by("pk").values_list("pk", flat=True).first()
            if first:
                pks.add(first)
        return sorted(pks)
    if route.startswith(("billing/credit-notes/", "xero/credit-notes/")):
        return sorted({pk for status in CreditNoteStatus.values for pk in CreditNote.objects.filter(
            status=status).order_by("pk").values_list("pk", flat=True)[:1]})
    if route.startswith("admin/accounts/"):
        return list(Account.objects.order_by("pk").values_list("pk", flat=True)[:1])
    if route.startswith("admin/journals/") or route.startswith("xero/journals/"):
        return list(CostOfSalesJournal.objects.order_by("pk").values_list("pk", flat=True)[:1])
    if route.startswith("admin/jobs/"):
        return list(Job.objects.order_by("pk").values_list("pk", flat=True))
    if route.startswith(("xero/tracking/", "xero/incidents/")):
        return []  # POST-only actions that come back to Admin → Tracking, which is rendered itself
    if route.startswith("stock/dispatches/"):
        return list(Dispatch.objects.order_by("pk").values_list("pk", flat=True)[:1])
    raise AssertionError(f"tests/test_docs_ui_names.py does not know which objects {name} ({route}) shows")


@pytest.fixture
def demo_screens(sandbox, xero_settings):  # noqa: F811 (the imported fixtures)
    """{screen label: visible text} of the demo as an admin sees it, with the AU organisation connected."""
    seed_demo()
    admin = Client()
    admin.force_login(persona("admin"))
    screens: dict[str, str] = {}

    def keep(label: str, response) -> None:
        if response.status_code in (200, 403) and "html" in response.get("Content-Type", ""):
            screens[label] = visible_text(response.content.decode())

    au = Entity.objects.get(code="AU")
    back = authenticate(admin, au)
    keep("the page Xero sends back to (choose the organisation)", admin.get(back["Location"]) if back.status_code == 302
         else back)
    tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("AU"))
    connect(admin, au, tenant)
    keep("Connect (result)", admin.get(reverse("entities:entity_list")))
    customer = Customer.objects.order_by("code").first()
    keep("Sync Customer with Xero Contact (result)",
         admin.post(reverse("xero:customer_sync", args=[customer.pk]), follow=True))
    invoice = Invoice.objects.filter(entity=au, status=InvoiceStatus.APPROVED).order_by("pk").first()
    keep("Sync Invoice with Xero Invoice (result)",
         admin.post(reverse("xero:invoice_sync", args=[invoice.pk]), follow=True))
    journal = CostOfSalesJournal.objects.filter(entity=au).order_by("-journaled_on").first()
    keep("Push now (result)", admin.post(reverse("xero:journal_push", args=[journal.pk]), follow=True))
    # Getting started, "Verify the connection": what a reader following it on the demo ends with.
    WALK.update({
        "connected entity": entity_tenant(au) == tenant,
        "synced customer": customer.xero_links.filter(status=LinkStatus.SYNCED).exists(),
        "pushed invoice": Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PROCESSED,
        "pushed journal": CostOfSalesJournal.objects.get(pk=journal.pk).status == JournalStatus.POSTED
        and journal.xero_links.filter(status=LinkStatus.SYNCED, last_pushed_at__isnull=False).exists(),
    })
    # An invoice whose totals in Xero differ from BMS's, with its two repairs (Going live).
    links = invoice.xero_links.all()
    status = links.get().status
    links.update(status=LinkStatus.DIFFERS, last_error="Xero's total 220.00 differs from BMS's 200.00")
    keep("an invoice whose totals differ in Xero", admin.get(reverse("billing:invoice_detail", args=[invoice.pk])))
    links.update(status=status, last_error="")
    # The relink guard: the AU entity's invoice is in the AU organisation; choosing NZ is refused.
    nz = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("NZ"))
    keep("Connect Xero Organisation (another organisation)", connect(admin, au, nz))
    failed = Job.objects.create(kind="xero.invoices.push", description="Push released invoices to Xero",
                                params={"tenant_id": tenant.pk, "invoice_ids": [invoice.pk]},
                                status=JobStatus.FAILED, error_count=2, result="1 created, 2 failed")
    for number in ("AU-000001", "AU-000002"):
        JobLogEntry.objects.create(job=failed, level=LogLevel.ERROR, record=number, cause="archived account 41900",
                                   message="account 41900 (Hardware Sale - Legacy Range) is archived in Xero")
    # A push that finished with failed records (Completed with errors, Re-send, the admins' detail).
    amber = Job.objects.create(kind="xero.invoices.push", description="Push released invoices to Xero",
                               params={"tenant_id": tenant.pk}, status=JobStatus.COMPLETED_WITH_ERRORS,
                               error_count=1, result="0 created, 1 failed")
    JobLogEntry.objects.create(job=amber, level=LogLevel.ERROR, record="AU-000003", record_ref="invoice:0",
                               cause="lock date", message="Xero: lock date", detail="ValidationError: lock date")
    keep("a job completed with errors", admin.get(reverse("jobs:job_detail", args=[amber.pk])))
    # A chart with one difference of each kind for Compare to Xero, and an account without manual journals.
    Account.objects.filter(code="41110").update(name="Machine Sales")
    Account.objects.filter(code="41120").update(tax_rate=None)
    Account.objects.filter(code="14430").update(accepts_manual_journals=False)
    Account.objects.filter(code="41900").update(status=AccountStatus.ACTIVE)  # archived in Xero
    keep("Re-trigger (result)", admin.post(reverse("jobs:job_retry", args=[failed.pk]), follow=True))
    _reconciliation_with_every_repair(admin, sandbox, tenant, invoice, au)
    for name, route in _get_urls(get_resolver().url_patterns):
        pks = _objects_for(route, name)
        for pk in pks or [None]:
            try:
                url = reverse(name, args=[pk] if pk is not None else [])
            except NoReverseMatch:
                continue
            keep(url, admin.get(url))
    # Last, as it stops every call: Xero no longer accepts the connection.
    # What Xero can refuse besides a dead grant (client/refusals.py), each with its own words and fix.
    connection_refused(refusal=Refusal(RefusalKind.PERMISSION, "You are not permitted to access this resource",
                                       "createManualJournals", is_write=True), tenant=tenant)
    connection_refused(refusal=Refusal(RefusalKind.SCOPE, "insufficient_scope", "createManualJournals",
                                       is_write=True), tenant=tenant)
    keep("an entity whose Xero user is not permitted to post journals",
         admin.get(reverse("entities:entity_detail", args=[au.pk])))
    connection_refused(refusal=Refusal(RefusalKind.TENANT, "AuthenticationUnsuccessful", "getAccounts"),
                       tenant=tenant)
    keep("Admin → Entities (organisation disconnected)", admin.get(reverse("entities:entity_list")))
    grant_refused(grant_id=tenant.grant_id, detail="invalid_grant")
    keep("Admin → Entities (needs re-authentication)", admin.get(reverse("entities:entity_list")))
    keep("an entity that needs re-authentication", admin.get(reverse("entities:entity_detail", args=[au.pk])))
    keep("/admin/jobs/?level=error", admin.get(reverse("jobs:job_detail", args=[failed.pk]) + "?level=error"))
    staff = Client()
    staff.force_login(persona("staff"))
    keep("a page a staff user may not use", staff.get(reverse("preferences:general")))
    expired = Client(enforce_csrf_checks=True)
    expired.force_login(persona("finance"))
    keep("a form posted without its security token", expired.post(reverse("billing:customer_create"), {}))
    keep("/login/", Client().get(reverse("login")))
    return screens


def _reconciliation_with_every_repair(admin, sandbox, tenant, invoice, entity):  # noqa: F811 (the fixture)
    """Admin → Reconciliation with a row of each repair: the pushed invoice voided in Xero, a copy of it
    BMS did not link, a second pushed invoice paid in Xero and not pulled yet, and its customer's contact
    archived in Xero."""
    second = Invoice.objects.filter(entity=entity, status=InvoiceStatus.APPROVED).exclude(pk=invoice.pk).first()
    admin.post(reverse("xero:invoice_sync", args=[second.pk]))
    sandbox.plant(tenant.xero_tenant_id, "invoices", "change", invoice.display_number, Status="VOIDED")
    sandbox.plant(tenant.xero_tenant_id, "invoices", "copy", invoice.display_number,
                  InvoiceNumber=f"{entity.prefix}999999")
    sandbox.plant(tenant.xero_tenant_id, "invoices", "change", second.display_number, AmountDue="0.00", Status="PAID")
    contact = invoice.customer.xero_links.get(tenant=tenant).xero_id
    sandbox.plant(tenant.xero_tenant_id, "contacts", "change", contact, ContactStatus="ARCHIVED")
    reconciliation_run(tenant=tenant, date_from=date(2000, 1, 1), date_to=date(2099, 12, 31), log=CollectingLog())


WALK: dict[str, bool] = {}


def test_a_reader_following_getting_started_on_the_demo_ends_with_everything_in_xero(demo_screens):
    assert WALK == {"connected entity": True, "synced customer": True, "pushed invoice": True,
                    "pushed journal": True}


def names_missing(quoted: dict[str, set[str]], screens: dict[str, str]) -> list[str]:
    """One line per quoted name no screen shows, with the guide pages that quote it."""
    every_screen = "\n".join(screens.values())
    return [f"  {name!r} (quoted in {', '.join(sorted(pages))})"
            for name, pages in sorted(quoted.items()) if name not in every_screen]


def test_it_finds_every_ui_name_the_guide_quotes_on_a_screen_of_the_app(demo_screens):
    quoted = quoted_ui_names()
    assert len(quoted) > 50, "the guide quotes few {.ui} names: is the convention still in use?"
    missing = names_missing(quoted, demo_screens)
    assert not missing, "Names the guide quotes that no screen shows:\n" + "\n".join(missing)


def test_it_reports_a_name_no_screen_shows_with_the_page_that_quotes_it():
    screens = {"/admin/jobs/": "Background Jobs Status Re-trigger"}
    quoted = {"Re-trigger": {"background-jobs.md"}, "Push now": {"invoice-sync.md", "index.md"}}
    assert names_missing(quoted, screens) == ["  'Push now' (quoted in index.md, invoice-sync.md)"]


def test_it_reads_ui_names_only_where_the_guide_marks_them():
    assert UI_NAME.findall("Press **Push now**{.ui}, not **really**, on **Admin → Journals**{.ui}.") == [
        "Push now", "Admin → Journals"]
    assert UI_NAME.findall("the **Connect Xero\n  Organisation**{.ui} button") == ["Connect Xero\n  Organisation"]
