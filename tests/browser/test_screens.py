"""A person's tour of the app in a real browser: log in, open every screen in the menu and a
record behind each list, and be refused where the role does not reach."""

from datetime import date

import pytest

from bms.cogs.models import CostOfSalesJournal
from bms.demo.data import seed_demo
from bms.jobs.models import Job
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DETAIL_LINKS = {
    "Customers": "a[href*='/billing/customers/'][href$='/']:not([href$='/customers/']):not([href$='/new/'])",
    "Invoices": "a[href*='/billing/invoices/'][href$='/']:not([href$='/invoices/']):not([href$='/new/'])",
    "Dispatches": "a[href*='/stock/dispatches/'][href$='/']:not([href$='/dispatches/'])",
    "Entities": "a[href*='/admin/entities/'][href$='/']:not([href$='/entities/']):not([href$='/new/'])",
    "Journals": "a[href*='/admin/journals/'][href$='/']:not([href$='/journals/'])",
    "Background Jobs": "a[href*='/admin/jobs/'][href$='/']:not([href$='/jobs/'])",
}


@pytest.fixture
def demo_data():
    seed_demo(today=date(2026, 4, 30))
    # One of everything the lists show, so each has a record to open.
    entity = CostOfSalesJournal._meta.get_field("entity").related_model.objects.first()
    # The seed builds journals from its dispatches; this one is there whether or not it did.
    CostOfSalesJournal.objects.get_or_create(entity=entity, journaled_on=date(2026, 4, 29),
                                             defaults={"description": "B2B Cost of Sales Journal for 29/04/2026"})
    Job.objects.create(kind="jobs.prune_logs", description="Tidy old job logs", status="completed",
                       progress_percent=100, result="Completed: Done")


def test_it_opens_every_screen_in_the_menu_and_a_record_behind_each_list(page, live_server, demo_data):
    log_in(page, live_server.url, "admin", "admin")
    menu = page.locator("nav.sidebar a.menu-item")
    labels = menu.all_inner_texts()
    assert {"Customers", "Invoices", "Dispatches", "General Settings", "Entities", "Accounts", "Account Settings",
            "Journals", "Background Jobs"} <= set(labels)
    for label in labels:
        page.locator("nav.sidebar a.menu-item", has_text=label).first.click()
        page.wait_for_load_state("networkidle")
        heading = page.locator("main h1").first.inner_text()
        assert heading, f"{label} has no heading"
        assert "Not allowed" not in heading and "Server Error" not in page.content(), label
        selector = DETAIL_LINKS.get(label)
        if selector:
            link = page.locator(f"main {selector}").first
            assert link.count() == 1, f"{label} lists nothing to open"
            link.click()
            page.wait_for_load_state("networkidle")
            assert page.locator("main h1").first.inner_text(), f"the record behind {label} has no heading"
            page.go_back()


def test_it_refuses_a_staff_user_on_an_admin_screen(page, live_server, demo_data):
    log_in(page, live_server.url, "staff", "staff")
    assert "Background Jobs" not in page.locator("nav.sidebar").inner_text()
    response = page.goto(f"{live_server.url}/admin/settings/")
    assert response.status == 403
    assert page.locator("main h1").inner_text() == "Not allowed"
