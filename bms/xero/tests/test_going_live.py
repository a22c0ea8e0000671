"""Going live (PRODUCT.md §3.8), against the sandbox over HTTP: the go-live date, explicit tax on
every line with totals compared after each write, and payments Xero owns once connected."""

import html
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bms.billing.models import Invoice, InvoiceStatus, PaymentSource
from bms.billing.services import InvoiceLineData, invoice_approve, invoice_create, payment_record
from bms.core.errors import DomainError
from bms.core.money import LineAmountType
from bms.testing import factories as f
from bms.xero import payloads
from bms.xero.models import InvoiceLink, LinkStatus, XeroTenant
from bms.xero.services.invoices import invoices_push
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import connect, connect_page, xero_client

pytestmark = pytest.mark.django_db
D = Decimal
GO_LIVE = date(2026, 5, 1)


def _invoice(entity, customer, day, lines, *, inclusive=False):
    invoice = invoice_create(
        entity=entity, customer=customer, issued_on=day, lines=lines, currency="AUD",
        line_amount_type=LineAmountType.INCLUSIVE if inclusive else LineAmountType.EXCLUSIVE)
    return invoice_approve(invoice=invoice)


def _push(tenant, invoices):
    log = CollectingLog()
    with xero_client(tenant) as client:
        outcome = invoices_push(tenant=tenant, invoices=invoices, client=client, log=log)
    return outcome, log


def _in_xero(sandbox, tenant):
    invoices = sandbox.state()["orgs"][tenant.xero_tenant_id]["invoices"]
    return {i["InvoiceNumber"]: i for i in (invoices.values() if isinstance(invoices, dict) else invoices)}


@pytest.fixture
def live(admin_client, connected, au_entity):
    """The AU entity sending documents dated on or after 1 May 2026."""
    connect(admin_client, au_entity, connected, go_live_on=GO_LIVE.isoformat())
    return connected


def test_it_sends_nothing_dated_before_go_live_and_says_so_on_the_invoice(live, sandbox, au_entity, staff_client):
    revenue, gst = f.account("41110"), f.tax_rate()
    customer = f.customer()
    history = _invoice(au_entity, customer, date(2026, 4, 30), [InvoiceLineData("Lathe", D("1"), D("100"), revenue,
                                                                                gst)])
    first_day = _invoice(au_entity, customer, GO_LIVE, [InvoiceLineData("Lathe", D("1"), D("100"), revenue, gst)])

    outcome, _ = _push(live, [history, first_day])

    assert (outcome.created, outcome.failed, outcome.before_go_live) == (1, 0, 1)
    assert set(_in_xero(sandbox, live)) == {first_day.display_number}
    held = InvoiceLink.objects.get(invoice=history)
    assert held.status == LinkStatus.BEFORE_GO_LIVE and held.xero_id is None
    assert "Before go-live — not sent" in held.last_error and "01/05/2026" in held.last_error
    assert Invoice.objects.get(pk=history.pk).status == InvoiceStatus.APPROVED  # history untouched
    page = staff_client.get(reverse("billing:invoice_detail", args=[history.pk])).content.decode()
    assert "Before go-live — not sent" in page
    # The schedule does not pick it up again.
    from bms.xero.selectors import invoices_due_for_push
    assert history not in invoices_due_for_push(live)


def test_it_sends_a_line_without_tax_rate_with_the_zero_rate_type_so_both_sides_say_200(live, sandbox, au_entity):
    invoice = _invoice(au_entity, f.customer(), GO_LIVE, [InvoiceLineData("Service", D("2"), D("100"),
                                                                          f.account("41110"), None)])
    assert invoice.total_amount == D("200.00")

    _push(live, [invoice])

    xero = _in_xero(sandbox, live)[invoice.display_number]
    assert (D(str(xero["Total"])), D(str(xero["TotalTax"]))) == (D("200.00"), D("0.00"))
    assert xero["LineItems"][0]["TaxType"] == "EXEMPTOUTPUT"
    link = InvoiceLink.objects.get(invoice=invoice)
    assert (link.status, link.xero_total) == (LinkStatus.SYNCED, D("200.00"))
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PROCESSED


def test_without_the_explicit_zero_rate_xero_adds_gst_and_the_invoice_differs(live, sandbox, au_entity,
                                                                               monkeypatch):
    """The mutation check: the test above fails without the explicit TaxType, because Xero then
    applies account 41110's default (GST on Income) — and the comparison after the write says so."""
    original = payloads.invoice_payload
    monkeypatch.setattr("bms.xero.services.invoices.invoice_payload",
                        lambda *a, **kw: original(*a, **{**kw, "zero_rate_tax_type": ""}))
    invoice = _invoice(au_entity, f.customer(), GO_LIVE, [InvoiceLineData("Service", D("2"), D("100"),
                                                                          f.account("41110"), None)])

    outcome, log = _push(live, [invoice])

    xero = _in_xero(sandbox, live)[invoice.display_number]
    assert D(str(xero["Total"])) == D("220.00")  # what the no-tax bug did
    link = InvoiceLink.objects.get(invoice=invoice)
    assert link.status == LinkStatus.DIFFERS and link.get_status_display() == "Differs"
    assert link.last_error.startswith("Xero's total 220.00 differs from BMS's 200.00")
    assert link.xero_total == D("220.00") and link.xero_id
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.APPROVED  # not Processed
    assert outcome.created == 1 and any("differs" in line[3] for line in log.lines)
    # It is not sent again until it changes in BMS.
    from bms.xero.selectors import invoices_due_for_push
    assert invoice not in invoices_due_for_push(live)


@pytest.mark.parametrize("inclusive", [False, True])
def test_mixed_rate_and_rounding_lines_agree_exclusive_and_inclusive(live, sandbox, au_entity, inclusive):
    revenue, gst = f.account("41110"), f.tax_rate()
    free = f.tax_rate("EXEMPTOUTPUT", "0", "GST Free Income")
    invoice = _invoice(au_entity, f.customer(), GO_LIVE, [
        InvoiceLineData("Lathe", D("3"), D("100.3333"), revenue, gst),
        InvoiceLineData("Export part", D("1"), D("19.99"), revenue, free),
        InvoiceLineData("Freight", D("1"), D("12.55"), revenue, None),
    ], inclusive=inclusive)

    _push(live, [invoice])

    xero = _in_xero(sandbox, live)[invoice.display_number]
    assert (D(str(xero["SubTotal"])), D(str(xero["TotalTax"])), D(str(xero["Total"]))) == (
        invoice.subtotal_amount, invoice.tax_amount, invoice.total_amount)
    assert InvoiceLink.objects.get(invoice=invoice).status == LinkStatus.SYNCED


def test_it_holds_an_untaxed_line_when_no_zero_rate_type_is_chosen(live, sandbox, au_entity):
    XeroTenant.objects.filter(pk=live.pk).update(zero_rate_tax_type="")
    live.refresh_from_db()
    invoice = _invoice(au_entity, f.customer(), GO_LIVE, [InvoiceLineData("Service", D("1"), D("100"),
                                                                          f.account("41110"), None)])
    outcome, _ = _push(live, [invoice])
    link = InvoiceLink.objects.get(invoice=invoice)
    assert outcome.failed == 1 and link.status == LinkStatus.FAILED
    assert "no zero-rate tax type is chosen" in link.last_error
    assert invoice.display_number not in _in_xero(sandbox, live)


def test_it_refuses_a_bms_payment_on_an_invoice_sent_to_xero(live, au_entity):
    invoice = _invoice(au_entity, f.customer(), GO_LIVE, [InvoiceLineData("Lathe", D("1"), D("100"),
                                                                        f.account("41110"), f.tax_rate())])
    _push(live, [invoice])
    invoice = Invoice.objects.get(pk=invoice.pk)
    with pytest.raises(DomainError, match="record the payment there"):
        payment_record(invoice=invoice, amount=D("10.00"), paid_on=GO_LIVE)
    # What the pull brings from Xero is still recorded.
    payment_record(invoice=invoice, amount=D("10.00"), paid_on=GO_LIVE, source=PaymentSource.XERO)


def test_it_sends_no_journal_dated_before_go_live_and_the_journal_page_says_so(live, sandbox, au_entity,
                                                                              admin_client):
    from bms.cogs.services import journal_build_for_day
    from bms.testing.journals import journal_chart, local, shipped
    from bms.xero.models import JournalLink
    from bms.xero.services.journals import journals_push

    journal_chart()
    journals = []
    for day in (date(2026, 4, 30), GO_LIVE):
        shipped(au_entity, local(f"{day:%Y-%m-%d} 10:00"), (f.product(f"P-{day:%d}", unit_cost="10.0000"), 2))
        journals.append(journal_build_for_day(entity=au_entity, day=day, now=local("2026-06-01 12:00")))
    with xero_client(live) as client:
        outcome = journals_push(tenant=live, journals=journals, client=client, log=CollectingLog())

    assert (outcome.created, outcome.before_go_live) == (1, 1)
    in_xero = list(sandbox.state()["orgs"][live.xero_tenant_id]["journals"])
    assert len(in_xero) == 1 and str(journals[1].pk) in in_xero[0]["Url"]
    assert {line["TaxType"] for j in in_xero for line in j["JournalLines"]} == {"BASEXCLUDED"}
    held = JournalLink.objects.get(journal=journals[0])
    assert held.status == LinkStatus.BEFORE_GO_LIVE
    page = admin_client.get(reverse("cogs:journal_detail", args=[journals[0].pk])).content.decode()
    assert "Before go-live — not sent" in page


def _settled(entity, customer, day, amount_lines):
    invoice = _invoice(entity, customer, day, amount_lines)
    part = D("60.00")
    payment_record(invoice=invoice, amount=part, paid_on=day, reference="EFT")
    payment_record(invoice=invoice, amount=invoice.total_amount - part, paid_on=day, reference="EFT balance")
    return Invoice.objects.get(pk=invoice.pk)


def test_invoices_settled_before_connecting_are_paid_in_xero_exactly_once_though_answers_are_lost(
        admin_client, xero_settings, xero_active, au_entity, sandbox):
    from bms.billing.models import Payment
    from bms.xero.models import PaymentLink, PaymentSendLink
    from bms.xero.services.payments import payments_pull
    from bms.xero.tests.conftest import authenticate

    customer = f.customer()
    lines = [InvoiceLineData("Lathe", D("2"), D("100"), f.account("41110"), f.tax_rate())]
    history = _settled(au_entity, customer, date(2026, 4, 20), lines)
    settled = [_settled(au_entity, customer, GO_LIVE, lines), _settled(au_entity, customer, date(2026, 5, 2), lines)]
    assert all(i.status == InvoiceStatus.COMPLETED for i in [history, *settled])
    authenticate(admin_client, au_entity)
    tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("AU"))
    assert "accounting.payments" not in tenant.grant.scopes.split()  # not asked before the date was chosen
    connect(admin_client, au_entity, tenant, go_live_on=GO_LIVE.isoformat())
    page = connect_page(admin_client, au_entity)
    assert "2 invoices dated on or after the go-live date were paid in BMS before connecting" in page
    assert f'{reverse("xero:consent", args=[au_entity.pk])}?payments=1' in page
    # Connect says so; authenticating again now asks for accounting.payments (such payments exist).
    authenticate(admin_client, au_entity)
    tenant.refresh_from_db()
    assert "accounting.payments" in tenant.grant.scopes.split()

    sandbox.set_faults(tenant.xero_tenant_id, drop_rate=1.0)  # every write lands, every answer is lost
    sandbox.clear_log()
    _push(tenant, [history, *settled])
    sandbox.clear_faults(tenant.xero_tenant_id)
    puts = [e for e in sandbox.log(tenant.xero_tenant_id) if e["endpoint"] == "PUT /Payments"]
    assert [e["problem"] for e in puts] == ["dropped"]  # one batch sent; its answer lost, looked up, not re-sent
    _push(tenant, settled)  # a second run sends nothing twice

    xero = _in_xero(sandbox, tenant)
    assert set(xero) == {i.display_number for i in settled}  # nothing dated before go-live
    payments = list(sandbox.state()["orgs"][tenant.xero_tenant_id]["payments"])
    assert len(payments) == 4 and {p["Account"]["Code"] for p in payments} == {"10100"}
    for invoice in settled:
        assert xero[invoice.display_number]["Status"] == "PAID"
    sent = Payment.objects.filter(invoice__in=settled)
    assert PaymentSendLink.objects.filter(payment__in=sent, status=LinkStatus.SYNCED).count() == 4
    assert PaymentLink.objects.filter(payment__in=sent).count() == 4

    # The pull sees the same payments come back and counts each once: nothing reopened, none doubled.
    with xero_client(tenant) as client:
        outcome = payments_pull(tenant=tenant, client=client, log=CollectingLog())
    assert outcome.failed == 0
    for invoice in settled:
        invoice = Invoice.objects.get(pk=invoice.pk)
        assert (invoice.status, invoice.balance_amount, invoice.payments.count()) == (
            InvoiceStatus.COMPLETED, D("0.00"), 2)
    assert Invoice.objects.get(pk=history.pk).payments.count() == 2  # history untouched


def test_connect_offers_the_go_live_default_zero_rate_tax_types_and_payment_accounts_from_xero(
        admin_client, xero_settings, xero_active, au_entity, sandbox, settings):
    from bms.xero.tests.conftest import authenticate

    sandbox.control("POST", f"tenants/{sandbox.tenant_id('AU')}/accounts/11500", EnablePaymentsToAccount=True)
    authenticate(admin_client, au_entity)
    page = admin_client.get(reverse("xero:connect_tenant", args=[au_entity.pk])).content.decode()

    from bms.xero.services.go_live import default_go_live_on
    assert f'value="{default_go_live_on(entity=au_entity).isoformat()}"' in page
    zero_rate = page.split('name="zero_rate_tax_type"')[1].split("</select>")[0]
    assert 'value="EXEMPTOUTPUT" selected' in zero_rate and "reports as EXEMPTOUTPUT" in zero_rate
    assert 'value="BASEXCLUDED"' in zero_rate  # rate 0 and applies to revenue
    for refused in ("EXEMPTEXPENSES", "OUTPUT", "INPUT"):  # purchase-only, or not 0%
        assert f'value="{refused}"' not in zero_rate
    accounts = page.split('name="payments_account"')[1].split("</select>")[0]
    assert 'value="10100" selected' in accounts and 'value="10200"' in accounts and 'value="11500"' in accounts
    assert 'value="41110"' not in accounts and 'value="11000"' not in accounts

    tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id("AU"))
    refused = connect(admin_client, au_entity, tenant, zero_rate_tax_type="EXEMPTEXPENSES")
    assert refused.status_code == 200 and "tax types at 0% for sales" in refused.content.decode()
    connect(admin_client, au_entity, tenant, go_live_on=GO_LIVE.isoformat())
    tenant.refresh_from_db()
    assert (tenant.zero_rate_tax_type, tenant.zero_rate_report_tax_type, tenant.payments_account_code) == (
        "EXEMPTOUTPUT", "EXEMPTOUTPUT", "10100")
    entity_page = admin_client.get(reverse("entities:entity_detail", args=[au_entity.pk])).content.decode()
    assert "01/05/2026" in entity_page and "GST Free Income (EXEMPTOUTPUT)" in entity_page
    from bms.core.models import AuditEvent
    assert AuditEvent.objects.filter(action="xero.go_live_set").exists()


def test_the_go_live_date_moves_only_later_once_anything_was_sent(admin_client, live, au_entity):
    invoice = _invoice(au_entity, f.customer(), GO_LIVE, [InvoiceLineData("Lathe", D("1"), D("100"),
                                                                        f.account("41110"), f.tax_rate())])
    _push(live, [invoice])
    earlier = connect(admin_client, au_entity, live, go_live_on="2026-04-01")
    assert "can only move later now, never earlier" in earlier.content.decode()
    later = connect(admin_client, au_entity, live, go_live_on="2026-06-01")
    assert later.status_code == 302
    from bms.xero.models import EntityXeroConnection
    assert EntityXeroConnection.objects.get(entity=au_entity).go_live_on == date(2026, 6, 1)


def _differing(live, au_entity, monkeypatch):
    """An invoice sent without its zero-rate TaxType (the bug): Xero holds 220.00, BMS 200.00."""
    original = payloads.invoice_payload
    monkeypatch.setattr("bms.xero.services.invoices.invoice_payload",
                        lambda *a, **kw: original(*a, **{**kw, "zero_rate_tax_type": ""}))
    invoice = _invoice(au_entity, f.customer(), GO_LIVE, [InvoiceLineData("Service", D("2"), D("100"),
                                                                          f.account("41110"), None)])
    _push(live, [invoice])
    monkeypatch.undo()  # the fix
    link = InvoiceLink.objects.get(invoice=invoice)
    assert link.status == LinkStatus.DIFFERS
    return invoice, link


def _run_jobs():
    from bms.jobs.models import Job, JobStatus
    from bms.jobs.services import job_run

    for job in Job.objects.filter(status=JobStatus.QUEUED).order_by("pk"):
        job_run(job_id=job.pk)


def test_re_send_after_the_fix_brings_xeros_copy_to_bms_totals(live, sandbox, au_entity, finance_client,
                                                                 monkeypatch):
    invoice, link = _differing(live, au_entity, monkeypatch)
    page = html.unescape(finance_client.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode())
    assert "Xero's total 220.00 differs from BMS's 200.00" in page and "Re-send to Xero" in page

    finance_client.post(reverse("xero:invoice_differs_resend", args=[invoice.pk, link.pk]))
    _run_jobs()

    xero = _in_xero(sandbox, live)
    assert len(xero) == 1 and D(str(xero[invoice.display_number]["Total"])) == D("200.00")  # same invoice, fixed
    link.refresh_from_db()
    assert (link.status, link.xero_total) == (LinkStatus.SYNCED, D("200.00"))
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PROCESSED
    from bms.core.models import AuditEvent
    assert AuditEvent.objects.filter(action="xero.invoice_differs_resent").count() == 1


def test_cancel_in_bms_voids_the_differing_invoice_in_xero(live, sandbox, au_entity, finance_client, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    invoice, link = _differing(live, au_entity, monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        finance_client.post(reverse("xero:invoice_differs_cancel", args=[invoice.pk, link.pk]))
    _run_jobs()
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.CANCELLED
    assert _in_xero(sandbox, live)[invoice.display_number]["Status"] == "VOIDED"

def test_a_branch_posting_through_its_organisation_sends_nothing_dated_before_the_organisations_go_live(
        live, sandbox, au_entity):
    """Found by the first-day scenario: a branch with no link of its own had no go-live date, so its
    whole history went to Xero. It posts through its organisation, and so starts on its date."""
    branch = f.entity("MEL", name="Acme Melbourne", kind="branch", organisation=au_entity,
                      time_zone="Australia/Melbourne")
    revenue, gst, customer = f.account("41110"), f.tax_rate(), f.customer()
    history = _invoice(branch, customer, date(2026, 4, 30), [InvoiceLineData("Lathe", D("1"), D("100"), revenue,
                                                                             gst)])
    first_day = _invoice(branch, customer, GO_LIVE, [InvoiceLineData("Lathe", D("1"), D("100"), revenue, gst)])

    outcome, _ = _push(live, [history, first_day])

    assert (outcome.created, outcome.before_go_live) == (1, 1)
    assert set(_in_xero(sandbox, live)) == {first_day.display_number}
    assert InvoiceLink.objects.get(invoice=history).status == LinkStatus.BEFORE_GO_LIVE
