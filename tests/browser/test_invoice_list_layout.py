"""The invoice list at a laptop's 1366 px (issue 17): numbers, dates and amounts each stay on one
line, however long the customer's name is; and Background Jobs fits the screen."""

from datetime import date
from decimal import Decimal

import pytest

from bms.billing.services import InvoiceLineData, invoice_approve, invoice_create
from bms.core.testing import PASSWORD
from bms.testing import factories as f
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each cell of these columns: how many lines its text takes.
LINES_PER_CELL = """(columns) => [...document.querySelectorAll("table.grid tbody tr")].flatMap(row =>
  columns.map(index => {
    const cell = row.children[index];
    const range = document.createRange();
    range.selectNodeContents(cell);
    const tops = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
    return [cell.innerText.trim(), tops.size];
  }))"""


@pytest.fixture
def long_invoices(admin_user):
    gst, revenue = f.tax_rate(), f.account()
    entity = f.entity("AU", name="Acme Distribution Pty Ltd (Sydney Head Office and Warehouse)")
    for n, name in enumerate(["Southern Cross Engineering & Industrial Maintenance Services Pty Ltd",
                              "Harbour Tools"]):
        customer = f.customer(code=f"C{n:04d}", name=name)
        invoice = invoice_create(entity=entity, customer=customer, issued_on=date(2026, 4, 23), currency="AUD", lines=[
            InvoiceLineData("Lathe", Decimal("1000"), Decimal("1234.5678"), revenue, gst)])
        invoice_approve(invoice=invoice)


def test_numbers_dates_and_amounts_stay_on_one_line_at_1366_px(browser, live_server, admin_user, long_invoices):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        log_in(page, live_server.url, admin_user.username, PASSWORD)
        page.goto(f"{live_server.url}/billing/invoices/")
        cells = page.evaluate(LINES_PER_CELL, [0, 3, 4, 5, 6])  # Number, Date, Due date, Total, Balance
    finally:
        context.close()
    assert len(cells) == 10
    assert [text for text, lines in cells if lines != 1] == []


def test_the_background_jobs_list_fits_a_1366_px_screen_without_scrolling_sideways(browser, live_server, admin_user):
    from django.utils import timezone

    from bms.jobs.models import Job

    now = timezone.now()
    for n in range(3):
        Job.objects.create(kind="xero.reconcile", description=f"Reconcile BMS with Acme Distribution (Xero AU) {n}",
                           status="completed", requested_by=admin_user, queued_at=now, finished_at=now,
                           result="Completed: 3 disagreements with Acme Distribution (Xero AU) (full pass, 3 calls)")
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        log_in(page, live_server.url, admin_user.username, PASSWORD)
        page.goto(f"{live_server.url}/admin/jobs/")
        table_right, page_width = page.evaluate(
            """() => [document.querySelector("table.grid").getBoundingClientRect().right,
                      document.documentElement.clientWidth]""")
    finally:
        context.close()
    assert table_right <= page_width
