"""A finance user's day with the background jobs, in Chromium (issue 17's acceptance, its jobs half):
two invoices Xero refuses for a real cause (the adviser locked April in Xero after BMS last read
the organisation) → the push reads amber "Completed with errors" on the jobs the finance user
started; the cause is fixed in Xero; "Re-send" on that cause → both invoices in Xero once, with
Xero's totals and status equal to BMS's. Then a payment made in Xero comes back on "Pull payments
now", with Xero's reference, date and account."""

from decimal import Decimal

import pytest

from bms.billing.models import Invoice, InvoiceStatus, Payment
from bms.core.testing import PASSWORD
from bms.jobs.models import Job, JobStatus
from bms.testing import factories as f
from bms.xero.tests.conftest import (  # noqa: F401  (fixtures)
    au_entity,
    connected,
    sandbox,
    xero_active,
    xero_settings,
)
from bms.xero.tests.test_invoices import _released
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _xero_invoices(sandbox, tenant):  # noqa: F811
    return {x["InvoiceNumber"]: x for x in sandbox.state()["orgs"][tenant.xero_tenant_id]["invoices"]}


def test_a_refused_push_reads_amber_and_re_sending_its_cause_after_the_fix_lands_each_invoice_once(
        page, live_server, connected, sandbox, au_entity, finance_user):  # noqa: F811
    invoices = _released(au_entity, [f.customer(code="C0301", name="Harbour Tools Pty Ltd"),
                                     f.customer(code="C0302", name="Ridge Engineering Pty Ltd")], 2)
    sandbox.set_lock_date(connected.xero_tenant_id, "2026-04-30")  # the adviser locks April in Xero
    log_in(page, live_server.url, finance_user.username, PASSWORD)

    page.goto(f"{live_server.url}/billing/invoices/")
    page.get_by_role("button", name="Push released invoices to Xero").click()
    page.wait_for_load_state("networkidle")
    assert "Queued as background job" in page.content()
    page.get_by_role("link", name="Background Jobs").click()
    page.wait_for_load_state("networkidle")
    assert "The jobs you started." in page.content()
    row = page.locator("table.grid tbody tr").first
    assert row.locator(".badge-completed_with_errors").inner_text() == "Completed with errors"
    badge_colour = row.locator(".badge-completed_with_errors").evaluate("e => getComputedStyle(e).color")
    assert badge_colour == "rgb(168, 99, 0)"  # amber (--warn), not the green of Completed
    row.get_by_role("link", name="Log").click()
    page.wait_for_load_state("networkidle")
    causes = page.locator("table.grid").first
    assert "period lock date (30/04/2026)" in causes.inner_text() and "2 records" in causes.inner_text()
    assert "Technical detail" not in page.content()  # a finance user reads the plain words only
    assert not _xero_invoices(sandbox, connected)

    sandbox.set_lock_date(connected.xero_tenant_id, None)  # the adviser moves the lock date back
    causes.get_by_role("button", name="Re-send").click()
    page.wait_for_load_state("networkidle")
    assert "Failed records re-sent as job #" in page.content()
    resend = Job.objects.get(kind="xero.records.resend")
    assert resend.status == JobStatus.COMPLETED and resend.requested_by == finance_user, resend.result
    assert "Completed" in page.locator("dl.facts").inner_text()

    held = _xero_invoices(sandbox, connected)
    assert sorted(held) == sorted(i.display_number for i in invoices)  # each once
    for invoice in Invoice.objects.filter(pk__in=[i.pk for i in invoices]):
        xero = held[invoice.display_number]
        assert Decimal(str(xero["Total"])) == invoice.total_amount and xero["Status"] == "AUTHORISED"
        assert Decimal(str(xero["TotalTax"])) == invoice.tax_amount
        assert invoice.status == InvoiceStatus.PROCESSED

    # Back on the first job, the cause says where it went and offers nothing more to re-send.
    page.go_back()
    page.reload()
    assert f"Re-sent as job #{resend.pk}" in page.content()
    assert page.get_by_role("button", name="Re-send").count() == 0

    # A customer pays in Xero; the finance user pulls payments now from the invoice's Xero panel.
    paid = invoices[0]
    sandbox.control("POST", f"tenants/{connected.xero_tenant_id}/payments", invoice_number=paid.display_number,
                    amount=str(paid.total_amount), date="2026-05-06", reference="Remit 5521", account_code="10100")
    page.goto(f"{live_server.url}/billing/invoices/{paid.pk}/")
    page.get_by_role("button", name="Pull payments now").click()
    page.wait_for_load_state("networkidle")
    assert "Queued as background job" in page.content()
    text = page.locator("h2:has-text('Payments received') + table").inner_text()
    assert "06/05/2026" in text and "Remit 5521" in text and "10100" in text and "Pulled from Xero" in text
    assert Payment.objects.get(invoice=paid).reference == "Remit 5521"
    assert Invoice.objects.get(pk=paid.pk).status == InvoiceStatus.COMPLETED
