"""What people and the schedule do in BMS on the first day: the demo's history, an admin connecting
two organisations, the day's invoices of every tax shape, a cancel and a customer edit, and the
schedule run tick by tick on the test's clock until nothing changes any more (no sleeps: the clock
is moved, and the engine runs each job in this thread)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from bms.billing.models import Invoice, InvoiceStatus, Payment
from bms.billing.services import InvoiceLineData, invoice_approve, invoice_create
from bms.core.money import LineAmountType
from bms.customers.models import Customer
from bms.customers.services import customer_create, customer_update
from bms.demo.data import seed_demo
from bms.entities.models import Entity
from bms.jobs.models import Job, JobStatus
from bms.jobs.scheduling import scheduler_tick, schedules_ensure
from bms.ledger.models import Account, TaxRate
from bms.xero.models import ContactLink, InvoiceLink, XeroTenant
from bms.xero.reconcile.models import ReconciliationRun
from bms.xero.tests.conftest import authenticate, connect
from tests.first_day.xero_side import InXero

D = Decimal
SYDNEY = ZoneInfo("Australia/Sydney")
# A Wednesday morning in Sydney: the demo's history runs back two months from here.
START = datetime(2026, 11, 18, 9, 0, tzinfo=SYDNEY)
GO_LIVE = date(2026, 11, 1)  # the Connect page's default: the first day of the current month
TICK = timedelta(minutes=15)  # the push schedule's interval; the payment pull runs every fourth tick


@dataclass
class FirstDay:
    admin: Client
    xero: InXero
    clock: Any  # time_machine's traveller: the one clock BMS and the sandbox both read
    tenants: dict[str, XeroTenant] = field(default_factory=dict)  # by entity code
    invoices: dict[str, Invoice] = field(default_factory=dict)  # the day's invoices, by role
    customers: dict[str, Customer] = field(default_factory=dict)
    settled_before_connecting: dict[int, tuple[Decimal, list[int]]] = field(default_factory=dict)
    ticks: int = 0

    def tenant_id(self, entity_code: str) -> str:
        return self.tenants[entity_code].xero_tenant_id

    def refreshed(self, role: str) -> Invoice:
        return Invoice.objects.select_related("entity").get(pk=self.invoices[role].pk)


# --- history and connecting -----------------------------------------------------------------------

def demo_history(world: FirstDay) -> None:
    """The demo's two months: invoices in every status, 50 of them settled in BMS with two payments
    each, dispatches and the journals built from them."""
    seed_demo()
    for invoice in Invoice.objects.filter(status=InvoiceStatus.COMPLETED):
        live = Payment.objects.filter(invoice=invoice, reversed_at__isnull=True)
        payments = sorted(live.values_list("pk", flat=True))
        world.settled_before_connecting[invoice.pk] = (invoice.balance_amount, payments)


def connect_both(world: FirstDay, sandbox, **connect_fields: str) -> None:
    """The admin authenticates once (one grant reaches both organisations) and connects AU and NZ
    with the go-live date and Connect's other choices as the sandbox's organisations offer them (the
    zero-rate tax type, the journals' tax type, the account for payments made before connecting);
    the Melbourne branch posts through its organisation, AU."""
    connect_fields = {"go_live_on": GO_LIVE.isoformat(), **connect_fields}
    au, nz = Entity.objects.get(code="AU"), Entity.objects.get(code="NZ")
    authenticate(world.admin, au)
    for entity, country in ((au, "AU"), (nz, "NZ")):
        tenant = XeroTenant.objects.get(xero_tenant_id=sandbox.tenant_id(country))
        response = connect(world.admin, entity, tenant, **connect_fields)
        assert response.status_code == 302, response.content.decode()[:2000]
        world.tenants[entity.code] = tenant
    world.tenants["MEL"] = world.tenants["AU"]


# --- the day's work in BMS ----------------------------------------------------------------------------

def _tax(tax_type: str) -> TaxRate:
    return TaxRate.objects.get(xero_tax_type=tax_type)


def _released(role: str, world: FirstDay, *, entity: str, customer: Customer, lines: list[InvoiceLineData],
              line_amount_type: str = LineAmountType.EXCLUSIVE) -> Invoice:
    invoice = invoice_create(entity=Entity.objects.get(code=entity), customer=customer, issued_on=START.date(),
                             lines=lines, currency="NZD" if entity == "NZ" else "AUD",
                             line_amount_type=line_amount_type, reference=f"First day: {role}")
    world.invoices[role] = invoice_approve(invoice=invoice)
    return world.invoices[role]


def day_one_customers(world: FirstDay) -> None:
    """Customers of the first day, with codes of their own so Xero's contacts are easy to find."""
    for role, code, name in (("regular", "C0901", "Hillside Workshops Pty Ltd"),
                             ("archived", "C0902", "Ridgeline Quarry Supplies Pty Ltd"),
                             ("edited", "C0903", "Bayside Fabrication Pty Ltd"),
                             ("nz", "C0904", "Kawau Marine Engineering Ltd")):
        world.customers[role] = customer_create(code=code, name=name, email=f"accounts@{code.lower()}.example.com")


def day_one_invoices(world: FirstDay, *, with_no_tax_lines: bool) -> None:
    """An invoice of every tax shape, and one for each thing people will do to them in Xero or BMS.
    `with_no_tax_lines`: lines without a tax rate, which need the organisation's explicit zero rate."""
    sales, parts = Account.objects.get(code="41110"), Account.objects.get(code="41120")
    gst, free, nz_gst = _tax("OUTPUT"), _tax("EXEMPTOUTPUT"), _tax("OUTPUT2")
    regular = world.customers["regular"]

    def line(text: str, quantity: str, price: str, tax: TaxRate | None, account: Account = sales) -> InvoiceLineData:
        return InvoiceLineData(text, D(quantity), D(price), account, tax)

    if with_no_tax_lines:
        _released("no_tax", world, entity="AU", customer=regular, lines=[line("Export crating", "2", "100.00", None)])
        _released("mixed_no_tax", world, entity="AU", customer=regular, lines=[
            line("Lathe", "1", "1200.00", gst), line("Freight (no tax rate)", "1", "85.00", None, parts)])
    _released("inclusive", world, entity="AU", customer=regular, line_amount_type=LineAmountType.INCLUSIVE, lines=[
        line("Drill press, GST inclusive", "3", "33.33", gst), line("Collet set", "1", "110.00", gst, parts)])
    _released("mixed_rate", world, entity="AU", customer=regular, lines=[
        line("Band saw", "1", "2450.00", gst), line("Export documentation", "1", "150.00", free, parts)])
    # Half cents on every line: 3 × 0.335 = 1.005 → 1.01 with 0.10 tax; 7 × 1.0049 = 7.0343 → 7.03 with 0.70.
    _released("rounding", world, entity="AU", customer=regular, lines=[
        line("Washers", "3", "0.3350", gst), line("Rivets", "7", "1.0049", gst, parts),
        line("Grinding disc", "1.5", "12.3450", gst, parts)])
    _released("nz_rounding", world, entity="NZ", customer=world.customers["nz"], lines=[
        line("Spindle bearing", "3", "19.9950", nz_gst), line("Drive belt", "2", "7.3350", nz_gst, parts)])
    _released("melbourne", world, entity="MEL", customer=regular, lines=[line("Coolant pump", "2", "249.50", gst)])
    for role in ("full_payment", "part_payment", "deleted_payment", "void_in_xero", "cancel_in_bms"):
        _released(role, world, entity="AU", customer=regular, lines=[line(f"Milling machine ({role})", "1",
                                                                          "4100.00", gst)])
    _released("before_archive", world, entity="AU", customer=world.customers["archived"],
              lines=[line("Surface grinder", "1", "3300.00", gst)])
    _released("edited_customer", world, entity="AU", customer=world.customers["edited"],
              lines=[line("Welder", "1", "1890.00", gst)])


def cancel_in_bms(world: FirstDay, role: str) -> None:
    """Finance presses Cancel on a sent invoice (its void is queued at once)."""
    invoice = world.invoices[role]
    response = world.admin.post(reverse("billing:invoice_cancel", args=[invoice.pk]))
    assert response.status_code == 302
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.CANCELLED


def edit_customer(world: FirstDay) -> None:
    customer_update(customer=world.customers["edited"], name="Bayside Fabrication & Welding Pty Ltd",
                    email="ap@bayside-fab.example.com")


def invoice_after_archive(world: FirstDay) -> Invoice:
    """A new invoice for the customer whose contact someone archived in Xero."""
    sales, gst = Account.objects.get(code="41110"), _tax("OUTPUT")
    return _released("after_archive", world, entity="AU", customer=world.customers["archived"],
                     lines=[InvoiceLineData("Tool post", D("1"), D("640.00"), sales, gst)])


def unarchive_from_the_panel(world: FirstDay) -> None:
    """Finance presses Unarchive on the customer's Xero Integration panel (issue #16): the contact is
    made active in Xero (a write, exactly once) and the invoices held for it are queued."""
    customer = world.customers["archived"]
    link = ContactLink.objects.get(customer=customer, tenant=world.tenants["AU"])
    response = world.admin.post(reverse("xero:contact_unarchive", args=[customer.pk, link.pk]))
    assert response.status_code == 302


def reconcile_now(world: FirstDay) -> dict[str, dict[str, int]]:
    """Finance presses Run now on Admin → Reconciliation for each organisation, over the demo's whole
    history to today (a full pass); the job runs in this thread. The counts per cause, by entity code."""
    counts = {}
    for code in ("AU", "NZ"):
        tenant = world.tenants[code]
        response = world.admin.post(reverse("reconcile:run_now"), {
            "tenant": tenant.pk, "date_from": (START.date() - timedelta(days=90)).isoformat(),
            "date_to": START.date().isoformat(), "full": "on"})
        assert response.status_code == 302
        run = ReconciliationRun.objects.filter(tenant=tenant).order_by("-started_at", "-pk").first()
        assert run is not None and run.status == "completed", run and run.error
        counts[code] = dict(run.cause_counts)
    return counts


def dry_run(world: FirstDay, entity_code: str) -> dict[str, int]:
    """An operator's `bms sync invoices --entity CODE --dry-run --json` before the first push: what the
    push would do with each invoice, counted by outcome (send, hold, history…)."""
    out = io.StringIO()
    call_command("sync", "invoices", "--entity", entity_code, "--dry-run", "--json", stdout=out)
    [report] = json.loads(out.getvalue())
    return next((kind["counts"] for kind in report["kinds"] if kind["kind"] == "invoice"), {})


# --- the schedule, to quiescence --------------------------------------------------------------------------

def _snapshot(world: FirstDay) -> tuple:
    """Everything a tick could change, on both sides."""
    bms = (sorted(Invoice.objects.values_list("pk", "status", "balance_amount")),
           sorted(Payment.objects.values_list("pk", "reversed_at")),
           sorted(InvoiceLink.objects.values_list("pk", "status", "xero_id", "xero_status", "xero_amount_due",
                                                  "pull_error", "last_error")),
           sorted(ContactLink.objects.values_list("pk", "status", "xero_id", "last_error")))
    xero = {}
    for tenant_id in {t.xero_tenant_id for t in world.tenants.values()}:
        org = world.xero.org(tenant_id)
        xero[tenant_id] = (sorted((i["InvoiceNumber"], i["Status"], str(i["AmountDue"])) for i in org["invoices"]),
                           sorted((p["PaymentID"], p["Status"]) for p in org["payments"]),
                           sorted((c["ContactID"], c["Name"], c["ContactStatus"]) for c in org["contacts"]))
    return bms, sorted(xero.items())


def run_until_quiet(world: FirstDay, *, max_ticks: int = 24) -> int:
    """Tick the schedule every 15 minutes of the shared clock until a whole hour (every push and a
    payment pull) changes nothing on either side; returns the ticks it took. Fails if a job failed
    or if the books never settle."""
    schedules_ensure()
    quiet, before = 0, _snapshot(world)
    for tick in range(1, max_ticks + 1):
        world.clock.shift(TICK)
        world.ticks += 1
        scheduler_tick()
        failed = list(Job.objects.filter(status=JobStatus.FAILED).values_list("description", "result"))
        assert not failed, failed
        after = _snapshot(world)
        quiet = quiet + 1 if after == before else 0
        if quiet >= 4:
            return tick
        before = after
    raise AssertionError(f"BMS and Xero still changing after {max_ticks} ticks of the schedule")
