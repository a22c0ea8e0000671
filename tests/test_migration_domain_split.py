"""Customers left billing and the cost-of-sales journals left ledger (customers 0001, billing 0006,
stock 0003, cogs 0001, ledger 0008, xero 0002): an existing database with rows in every moved table
upgrades with every row kept, every foreign key still pointing at its row, and each link row's
idempotency key unchanged."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bms.testing import factories as f

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal

# Where each app stood just before the move; the apps the move created did not exist yet.
BEFORE = {"billing": "0005_invoice_approved_cancelled_by_and_invariants", "ledger": "0007_journal_postings",
          "stock": "0002_dispatch_dispatch_entity_updated", "xero": "0001_initial",
          # Later than the move, but their field removals run after xero's tracking migration, so
          # stepping xero back takes them back too.
          "entities": "0002_alter_entity_code_and_more", "preferences": "0001_initial"}
NEW_APPS = ("customers", "cogs")


def _leaves(executor: MigrationExecutor) -> list[tuple[str, str]]:
    return executor.loader.graph.leaf_nodes()


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


@pytest.fixture
def before_the_move():
    """The historical models of the database as it was before the move; afterwards the database is
    migrated forward to the latest migrations whatever the test did."""
    executor = MigrationExecutor(connection)
    leaves = _leaves(executor)
    nodes = [(app, BEFORE.get(app, name)) for app, name in leaves if app not in NEW_APPS]
    executor = _migrate([*[(app, None) for app in NEW_APPS], *[(app, BEFORE[app]) for app in BEFORE]])
    applied = {app for app, _name in executor.loader.applied_migrations}
    assert not applied & set(NEW_APPS)
    yield executor.loader.project_state(nodes).apps
    _migrate(leaves)


def test_an_existing_database_upgrades_with_every_moved_row_kept(before_the_move):
    old = before_the_move
    for model in ("Customer", "PaymentTerms"):
        assert old.get_model("billing", model)._meta.db_table == f"billing_{model.lower()}"
    content_type = old.get_model("contenttypes", "ContentType")
    customer_type = content_type.objects.get_or_create(app_label="billing", model="customer")[0]
    entity = f.entity_as_the_database_stands()
    cost, stock = f.account("51110", "Cost", "EXPENSE", "DIRECTCOSTS"), f.account("14410", "Stock", "ASSET", "CURRENT")
    lathe = f.product()

    terms = old.get_model("billing", "PaymentTerms").objects.create(name="30 days", term_type="DAYSAFTERBILLDATE",
                                                                     day=30)
    customers = [old.get_model("billing", "Customer").objects.create(code=f"C{n}", name=f"Customer {n}",
                                                                      payment_terms=terms if n == 1 else None)
                 for n in (1, 2)]
    invoice = old.get_model("billing", "Invoice").objects.create(
        entity_id=entity.pk, customer=customers[0], number=1, issued_on=date(2026, 4, 23), currency="AUD")
    dispatch = old.get_model("stock", "Dispatch").objects.create(entity_id=entity.pk, customer=customers[1],
                                                                 reference="DSP-1", status="shipped",
                                                                 shipped_at=datetime(2026, 4, 23, 1, tzinfo=UTC))
    dispatch_line = old.get_model("stock", "DispatchLine").objects.create(
        dispatch=dispatch, product_id=lathe.pk, quantity=D("2"), unit_cost=D("100.0000"))
    journal = old.get_model("ledger", "CostOfSalesJournal").objects.create(
        entity_id=entity.pk, journaled_on=date(2026, 4, 23), description="COS 23/04/2026", status="posted",
        debit_amount=D("200.00"), credit_amount=D("200.00"))
    posting = old.get_model("ledger", "JournalPosting").objects.create(
        journal=journal, cost_account_id=cost.pk, stock_account_id=stock.pk, product_id=lathe.pk,
        dispatch_line_id=dispatch_line.pk, dispatch_reference="DSP-1", quantity=D("2"), unit_cost=D("100"),
        amount=D("200.00"))
    old.get_model("ledger", "JournalCursor").objects.create(entity_id=entity.pk, built_through_on=date(2026, 4, 23))
    tenant = old.get_model("xero", "XeroTenant").objects.create(tenant_id="t-1", name="Acme AU")
    # In flight: the intent committed, the call not settled. Its key must survive as it is.
    contact_link = old.get_model("xero", "ContactLink").objects.create(
        tenant=tenant, customer=customers[0], status="sending", idempotency_key="bms:t-1:contact:1:r1:e0")
    journal_link = old.get_model("xero", "JournalLink").objects.create(
        tenant=tenant, journal=journal, status="uncertain", idempotency_key="bms:t-1:journal:1:r1:e0")

    executor = _migrate(_leaves(MigrationExecutor(connection)))

    new = executor.loader.project_state(_leaves(executor)).apps
    moved = {label: new.get_model(*label.split(".")) for label in (
        "customers.Customer", "customers.PaymentTerms", "cogs.CostOfSalesJournal", "cogs.JournalPosting",
        "cogs.JournalCursor")}
    assert [(c.pk, c.code, c.payment_terms_id) for c in moved["customers.Customer"].objects.order_by("pk")] == [
        (customers[0].pk, "C1", terms.pk), (customers[1].pk, "C2", None)]
    assert moved["customers.PaymentTerms"].objects.get().name == "30 days"
    assert new.get_model("billing", "Invoice").objects.get(pk=invoice.pk).customer.code == "C1"
    assert new.get_model("stock", "Dispatch").objects.get(pk=dispatch.pk).customer.code == "C2"
    kept = moved["cogs.CostOfSalesJournal"].objects.get(pk=journal.pk)
    assert (kept.status, kept.debit_amount, kept.credit_amount) == ("posted", D("200.00"), D("200.00"))
    assert [(p.pk, p.amount, p.dispatch_line_id) for p in kept.postings.all()] == [
        (posting.pk, D("200.00"), dispatch_line.pk)]
    assert moved["cogs.JournalCursor"].objects.get(entity_id=entity.pk).built_through_on == date(2026, 4, 23)
    links = new.get_model("xero", "ContactLink").objects.get(pk=contact_link.pk)
    assert (links.customer.code, links.status, links.idempotency_key) == ("C1", "sending", "bms:t-1:contact:1:r1:e0")
    links = new.get_model("xero", "JournalLink").objects.get(pk=journal_link.pk)
    assert (links.journal.pk, links.status, links.idempotency_key) == (journal.pk, "uncertain",
                                                                       "bms:t-1:journal:1:r1:e0")
    assert new.get_model("contenttypes", "ContentType").objects.get(pk=customer_type.pk).app_label == "customers"
    # And the models the code uses read the same rows.
    from bms.cogs.models import CostOfSalesJournal
    from bms.customers.models import Customer

    assert Customer.objects.get(code="C1").invoices.get().pk == invoice.pk
    assert CostOfSalesJournal.objects.get().postings.get().pk == posting.pk
