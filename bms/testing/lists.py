"""Every list screen with a seeder that fills it with N rows of its kind, fast (bulk_create), and the
pages worth measuring: first, last, each filter and a search. `bench/lists.py` times them at
100,000 rows; tests/test_list_pages.py checks their queries per page at 5 and 50 rows.

Adding a list is one `ListScreen(...)` entry in LISTS: a name, a seeder `seed(base, n)` returning
whatever the URL needs, the URL, and its filter and search variants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from bms.billing.models import CreditNote, CreditNoteStatus, CreditSource, Invoice, InvoiceStatus
from bms.cogs.models import CostOfSalesJournal, JournalPosting, JournalStatus
from bms.core.models import AuditEvent
from bms.customers.models import Customer
from bms.entities.models import Entity, EntityKind
from bms.jobs.models import Job, JobLogEntry, JobStatus, LogLevel
from bms.ledger.models import Account, AccountClass, AccountStatus, AccountType
from bms.preferences.models import IntegrationPackage
from bms.preferences.selectors import general_settings
from bms.stock.models import Dispatch, DispatchLine, DispatchStatus, Product
from bms.users.models import User
from bms.xero.models import EntityXeroConnection, XeroGrant, XeroTenant
from bms.xero.reconcile.models import ReconciliationRow, ReconciliationRun, RunStatus, Verdict

BATCH = 5_000
DAY = date(2026, 12, 1)
WORDS = ["Bright", "Harbour", "Summit", "Coastal", "Pioneer", "Southern", "Granite", "Meridian", "Atlas", "Kauri"]


@dataclass
class Base:
    """What every list's rows point at: three entities (an organisation with a branch, and a second
    organisation), two customers, a product, two accounts and a user; Xero active."""

    user: User
    entities: list[Entity]
    customers: list[Customer]
    product: Product
    accounts: list[Account]


def seed_base() -> Base:
    settings_row = general_settings()
    settings_row.integration_package = IntegrationPackage.XERO
    settings_row.save()
    user = User.objects.filter(username="lists_admin").first() or User.objects.create_user(
        username="lists_admin", password="lists admin password", role="admin", first_name="Lena")  # noqa: S106
    au = Entity.objects.create(code="AU", name="Acme Australia", prefix="AU-", time_zone="Australia/Sydney")
    mel = Entity.objects.create(code="MEL", name="Acme Melbourne", prefix="MEL-", kind=EntityKind.BRANCH,
                                organisation=au)
    nz = Entity.objects.create(code="NZ", name="Acme New Zealand", prefix="NZ-", time_zone="Pacific/Auckland")
    customers = [Customer.objects.create(code=f"BASE{n}", name=f"Base Customer {n}") for n in range(2)]
    cost = Account.objects.create(code="B51110", name="Cost of goods", account_class=AccountClass.EXPENSE,
                                  account_type=AccountType.DIRECTCOSTS)
    stock = Account.objects.create(code="B14410", name="Stock on hand", account_class=AccountClass.ASSET,
                                   account_type=AccountType.CURRENT)
    product = Product.objects.create(sku="LATHE", name="Lathe", unit_cost=Decimal("100.0000"))
    return Base(user=user, entities=[au, mel, nz], customers=customers, product=product, accounts=[cost, stock])


def _bulk(model: type, rows) -> list[Any]:
    return model.objects.bulk_create(rows, batch_size=BATCH)


# --- seeders: n rows of one kind each ---------------------------------------------------------


def seed_customers(base: Base, n: int) -> None:
    # Two customers share each name, so the order's tie-breakers (code, then id) are walked too.
    _bulk(Customer, (Customer(code=f"C{i:07d}", name=f"{WORDS[i % 10]} Trading {i // 2:06d}",
                              email=f"accounts{i}@example.com") for i in range(n)))


def seed_invoices(base: Base, n: int) -> Customer:
    """n invoices, about a third per entity, half of them to one customer (its page lists them)."""
    statuses = [InvoiceStatus.DRAFT, InvoiceStatus.APPROVED, InvoiceStatus.PROCESSED, InvoiceStatus.COMPLETED]
    now = timezone.now()

    def invoice(i: int) -> Invoice:
        status, issued_on = statuses[i % 4], DAY - timedelta(days=i // 50)
        released = status != InvoiceStatus.DRAFT
        return Invoice(entity=base.entities[i % 3], customer=base.customers[i % 2], number=i + 1,
                       reference=f"PO-{i:07d}", issued_on=issued_on, currency="AUD", status=status,
                       due_on=issued_on + timedelta(days=30) if released else None,
                       approved_at=now if released else None,
                       completed_at=now if status == InvoiceStatus.COMPLETED else None,
                       total_amount=Decimal("110.00"),
                       balance_amount=Decimal("0.00") if status == InvoiceStatus.COMPLETED else Decimal("110.00"))

    _bulk(Invoice, (invoice(i) for i in range(n)))
    return base.customers[0]


def seed_credit_notes(base: Base, n: int) -> None:
    """n credit notes, about a third per entity; one in ten made in Xero (no number of ours)."""
    statuses = [CreditNoteStatus.DRAFT, CreditNoteStatus.APPROVED, CreditNoteStatus.CANCELLED]
    now = timezone.now()

    def note(i: int) -> CreditNote:
        status, from_xero = statuses[i % 3], i % 10 == 9
        return CreditNote(entity=base.entities[i % 3], customer=base.customers[i % 2],
                          number=None if from_xero else i + 1, xero_number=f"CN-X{i:07d}" if from_xero else "",
                          source=CreditSource.XERO if from_xero else CreditSource.BMS, reference=f"RMA-{i:07d}",
                          issued_on=DAY - timedelta(days=i // 50), currency="AUD", status=status,
                          approved_at=now if status == CreditNoteStatus.APPROVED else None,
                          cancelled_at=now if status == CreditNoteStatus.CANCELLED else None)

    _bulk(CreditNote, (note(i) for i in range(n)))


def seed_dispatches(base: Base, n: int) -> None:
    """n dispatches with a line each; one in a hundred not shipped yet (they head the list)."""
    start = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    dispatches = _bulk(Dispatch, (
        Dispatch(entity=base.entities[i % 3], customer=base.customers[i % 2], reference=f"D{i:07d}",
                 status=DispatchStatus.DRAFT if i % 100 == 0 else DispatchStatus.SHIPPED,
                 shipped_at=None if i % 100 == 0 else start - timedelta(minutes=7 * i))
        for i in range(n)))
    _bulk(DispatchLine, (DispatchLine(dispatch=d, product=base.product, quantity=Decimal("2"),
                                      unit_cost=None if d.shipped_at is None else Decimal("100.0000"))
                         for d in dispatches))


def seed_journals(base: Base, n: int) -> CostOfSalesJournal:
    """n journals, one per entity and trading day, going back day by day; returns one holding
    postings for the journal's own page (seed_journal_postings)."""
    statuses = [JournalStatus.DRAFT, JournalStatus.POSTED, JournalStatus.HELD]
    journals = _bulk(CostOfSalesJournal, (
        CostOfSalesJournal(entity=base.entities[i % 3], journaled_on=DAY - timedelta(days=i // 3),
                           description=f"Cost of sales {i}", status=statuses[i % 3],
                           debit_amount=Decimal("200.00"), credit_amount=Decimal("200.00"))
        for i in range(n)))
    return journals[0]


def seed_journal_postings(base: Base, n: int) -> CostOfSalesJournal:
    journal = CostOfSalesJournal.objects.create(entity=base.entities[2], journaled_on=date(1900, 1, 1),
                                                description="A large day")
    cost, stock = base.accounts
    _bulk(JournalPosting, (JournalPosting(journal=journal, cost_account=cost, stock_account=stock,
                                          product=base.product, dispatch_reference=f"D{i:07d}",
                                          quantity=Decimal("2"), unit_cost=Decimal("100"), amount=Decimal("200.00"))
                           for i in range(n)))
    return journal


def seed_jobs(base: Base, n: int) -> None:
    statuses = [JobStatus.COMPLETED, JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.QUEUED]
    _bulk(Job, (Job(kind="xero.invoices.push", description=f"Push invoices {i}", requested_by=base.user,
                    status=statuses[i % 4], progress_percent=100, result="Completed") for i in range(n)))


def seed_job_log(base: Base, n: int) -> Job:
    job = Job.objects.create(kind="xero.invoices.push", description="A long push", status=JobStatus.COMPLETED)
    levels = [LogLevel.INFO] * 8 + [LogLevel.WARNING, LogLevel.ERROR]
    _bulk(JobLogEntry, (JobLogEntry(job=job, level=levels[i % 10], record=f"Invoice {i}",
                                    cause="archived account" if i % 10 == 9 else "", message=f"Line {i}")
                        for i in range(n)))
    return job


def seed_audit(base: Base, n: int) -> None:
    actions = ["settings.changed", "xero.connected", "xero.relinked", "jobs.retried"]
    _bulk(AuditEvent, (AuditEvent(actor=base.user if i % 2 else None, actor_name="" if i % 2 else "System",
                                  action=actions[i % 4], target=f"{WORDS[i % 10]} entity {i}",
                                  after={"value": i}, message=f"Change {i}") for i in range(n)))


def seed_accounts(base: Base, n: int) -> None:
    kinds = [(AccountClass.REVENUE, AccountType.REVENUE), (AccountClass.EXPENSE, AccountType.EXPENSE),
             (AccountClass.ASSET, AccountType.CURRENT), (AccountClass.LIABILITY, AccountType.CURRLIAB)]
    _bulk(Account, (Account(code=f"{i:07d}", name=f"{WORDS[i % 10]} account {i}", account_class=kinds[i % 4][0],
                            account_type=kinds[i % 4][1],
                            status=AccountStatus.ARCHIVED if i % 10 == 0 else AccountStatus.ACTIVE)
                    for i in range(n)))


def seed_entities(base: Base, n: int) -> None:
    """n more entities: every tenth an organisation, the nine after it its branches."""
    organisations: list[Entity] = []
    for start in range(0, n, BATCH):
        chunk = range(start, min(n, start + BATCH))
        organisations = _bulk(Entity, (Entity(code=f"O{i:07d}", name=f"{WORDS[i % 10]} Holdings {i:07d}",
                                              prefix=f"O{i}-") for i in chunk if i % 10 == 0))
        by_ten = {org.code: org for org in organisations}
        _bulk(Entity, (Entity(code=f"B{i:07d}", name=f"{WORDS[i % 10]} Branch {i:07d}", prefix=f"B{i}-",
                              kind=EntityKind.BRANCH, organisation=by_ten[f"O{i - i % 10:07d}"])
                       for i in chunk if i % 10))


def seed_reconciliation(base: Base, n: int) -> XeroTenant:
    """A connected organisation whose latest run found n disagreements."""
    now = timezone.now()
    no_token = ""  # nothing here calls Xero
    grant = XeroGrant.objects.create(xero_user_id="lists-bench", access_token_encrypted=no_token,
                                     refresh_token_encrypted=no_token, access_expires_at=now + timedelta(minutes=30),
                                     refreshed_at=now, authenticated_at=now, authenticated_by_name="Lena")
    tenant = XeroTenant.objects.create(xero_tenant_id="lists-bench-tenant", name="Acme Australia (Xero)",
                                       grant=grant)
    EntityXeroConnection.objects.create(entity=base.entities[0], tenant=tenant)
    causes = ["missing_in_xero", "status", "totals", "amount_due"]
    run = ReconciliationRun.objects.create(
        tenant=tenant, date_from=date(2026, 1, 1), date_to=DAY, status=RunStatus.COMPLETED, started_at=now,
        heartbeat_at=now, finished_at=now, cause_counts={c: n // 4 for c in causes},
        counts={"invoice": {"agree": 0, "differ": n, "only_bms": 0, "only_xero": 0}})
    _bulk(ReconciliationRow, (
        ReconciliationRow(run=run, kind="invoice", verdict=Verdict.DIFFER, cause=causes[i % 4],
                          label=f"AU-{i:07d}", bms_id=i + 1, bms_value="110.00", xero_value="100.00",
                          message="Xero holds another total.") for i in range(n)))
    return tenant


# --- the screens --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListScreen:
    name: str
    seed: Callable[[Base, int], Any]
    url: Callable[[Any], str]
    # label → query parameters; "first" and "last" are added for every screen
    variants: Callable[[Base, Any], dict[str, dict[str, str]]] = field(default=lambda base, seeded: {})
    needs_own_database: bool = False  # its rows would distort the other screens (every entity menu)


LISTS: list[ListScreen] = [
    ListScreen("customers", seed_customers, lambda _: reverse("billing:customer_list"), lambda base, _: {
        "search": {"q": "Trading 04321"}, "search_code": {"q": "C0012345"}, "search_none": {"q": "no such customer"}}),
    ListScreen("invoices", seed_invoices, lambda _: reverse("billing:invoice_list"), lambda base, _: {
        "status": {"status": "approved"}, "entity": {"entity": str(base.entities[2].pk)},
        "search_number": {"q": "AU-4321"}, "search_customer": {"q": "Base Customer 1"},
        "search_none": {"q": "no such invoice"}}),
    ListScreen("credit_notes", seed_credit_notes, lambda _: reverse("billing:credit_note_list"), lambda base, _: {
        "status": {"status": "cancelled"}, "entity": {"entity": str(base.entities[2].pk)}, "source": {"source": "xero"},
        "search": {"q": "0043210"}, "search_customer": {"q": "Base Customer 1"}, "search_none": {"q": "no such note"}}),
    ListScreen("customer_invoices", seed_invoices,
               lambda customer: reverse("billing:customer_detail", args=[customer.pk])),
    ListScreen("dispatches", seed_dispatches, lambda _: reverse("stock:dispatch_list"), lambda base, _: {
        "status": {"status": "draft"}, "entity": {"entity": str(base.entities[1].pk)},
        "shipped_range": {"shipped_from": "2026-10-01", "shipped_to": "2026-10-03"}}),
    ListScreen("journals", seed_journals, lambda _: reverse("cogs:journal_list"), lambda base, _: {
        "entity": {"entity": str(base.entities[0].pk)}, "status": {"status": "held"},
        "dates": {"date_from": "2000-01-01", "date_to": "2000-03-31"}}),
    ListScreen("journal_lines", seed_journal_postings,
               lambda journal: reverse("cogs:journal_detail", args=[journal.pk])),
    ListScreen("jobs", seed_jobs, lambda _: reverse("jobs:job_list"), lambda base, _: {"status": {"status": "failed"}}),
    ListScreen("job_log", seed_job_log, lambda job: reverse("jobs:job_detail", args=[job.pk]),
               lambda base, _: {"level": {"level": "error"}}),
    ListScreen("audit_log", seed_audit, lambda _: reverse("audit_log"), lambda base, _: {
        "action": {"action": "xero.relinked"}, "user": {"user": str(base.user.pk)},
        "search": {"q": "Atlas entity 4321"}, "search_none": {"q": "no such change"}}),
    ListScreen("accounts", seed_accounts, lambda _: reverse("ledger:account_list"), lambda base, _: {
        "class": {"class": "LIABILITY"}, "status": {"status": "ARCHIVED"}, "search": {"q": "0043210"},
        "search_none": {"q": "no such account"}}),
    ListScreen("reconciliation", seed_reconciliation, lambda tenant: reverse("reconcile:reconciliation"),
               lambda base, tenant: {"cause": {"cause": "totals"}, "kind": {"kind": "invoice"}}),
    ListScreen("entities", seed_entities, lambda _: reverse("entities:entity_list"), needs_own_database=True),
]
