"""Migration 0007: the journal lines already built become postings, every account's debits and
credits in every journal unchanged."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bms.cogs.models import CostOfSalesJournal
from bms.cogs.selectors import journal_account_summary, journal_lines
from bms.testing import factories as f

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
BEFORE, AFTER = ("ledger", "0006_journal_line_keys_kept_by_the_build"), ("ledger", "0007_journal_postings")


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.fixture
def old_lines():
    """Back at 0006, with the historical JournalLine; forward to the latest migrations afterwards
    (every app's: going back to 0006 also took back the moves that came after 0007)."""
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    apps = _migrate(BEFORE)
    yield apps.get_model("ledger", "JournalLine")
    MigrationExecutor(connection).migrate(leaves)


def test_existing_lines_become_postings_with_every_accounts_totals_kept(old_lines):
    cost, parts = f.account("51110", "Cost", "EXPENSE", "DIRECTCOSTS"), f.account("51120", "Parts", "EXPENSE",
                                                                                  "DIRECTCOSTS")
    stock = f.account("14410", "Stock", "ASSET", "CURRENT")
    entity = f.entity_as_the_database_stands()
    days = [CostOfSalesJournal.objects.create(entity=entity, journaled_on=date(2026, 4, day), description=f"{day}")
            for day in (23, 24, 25)]

    def line(journal, account, debit="0", credit="0", *, dispatch_line=None, reversal=False, quantity="1"):
        old_lines.objects.create(journal_id=journal.pk, account_id=account.pk, dispatch_line_id=dispatch_line,
                                 dispatch_reference=f"D{dispatch_line}", quantity=D(quantity), unit_cost=D("1"),
                                 debit_amount=D(debit), credit_amount=D(credit), is_reversal=reversal)

    # The 23rd: pairs as the build wrote them (one of nothing, at a cost of zero), and two pairs
    # whose dispatch lines have since been deleted.
    line(days[0], cost, debit="200.67", dispatch_line=1, quantity="2")
    line(days[0], stock, credit="200.67", dispatch_line=1, quantity="2")
    line(days[0], cost, dispatch_line=2)
    line(days[0], stock, dispatch_line=2)
    for amount in ("3.00", "4.50"):
        line(days[0], parts, debit=amount)
        line(days[0], stock, credit=amount)
    # Dispatch line 3 posted on Cost, then (its product's account changed) corrected onto Parts; on
    # the 25th cancelled: the reversal of both is three lines, Stock in one.
    line(days[0], cost, debit="10.00", dispatch_line=3, quantity="5")
    line(days[0], stock, credit="10.00", dispatch_line=3, quantity="5")
    line(days[1], cost, credit="10.00", dispatch_line=3, reversal=True, quantity="5")
    line(days[1], stock, debit="10.00", dispatch_line=3, reversal=True, quantity="5")
    line(days[1], parts, debit="6.00", dispatch_line=3, quantity="3")
    line(days[1], stock, credit="6.00", dispatch_line=3, quantity="3")
    line(days[2], parts, credit="6.00", dispatch_line=3, reversal=True, quantity="3")
    line(days[2], stock, debit="6.00", dispatch_line=3, reversal=True, quantity="3")
    line(days[2], cost, credit="1.25", dispatch_line=4, reversal=True)
    line(days[2], stock, debit="3.75", dispatch_line=4, reversal=True)
    line(days[2], parts, credit="2.50", dispatch_line=4, reversal=True)
    before = defaultdict(lambda: [D("0"), D("0")])
    for old in old_lines.objects.all():
        before[(old.journal_id, old.account_id)][0] += old.debit_amount
        before[(old.journal_id, old.account_id)][1] += old.credit_amount

    _migrate(AFTER)

    after = {(journal.pk, row["account_id"]): [row["debit"], row["credit"]]
             for journal in days for row in journal_account_summary(journal)}
    assert after == before
    lines = journal_lines(days[0])
    assert [(line.account.code, line.dispatch_reference, line.quantity, line.debit_amount, line.credit_amount)
            for line in lines[0:4]] == [
        ("51110", "D1", D("2"), D("200.67"), D("0")), ("14410", "D1", D("2"), D("0"), D("200.67")),
        ("51110", "D2", D("1"), D("0"), D("0")), ("14410", "D2", D("1"), D("0"), D("0"))]
    assert lines.count() == 10  # the 23rd's 5 pairs, now 5 postings
    reversal = [(line.account.code, line.debit_amount, line.credit_amount, line.is_reversal)
                for line in journal_lines(days[2])[0:6]]
    assert sorted(reversal) == sorted([
        ("51120", D("0"), D("6.00"), True), ("14410", D("6.00"), D("0"), True),
        ("51110", D("0"), D("1.25"), True), ("14410", D("1.25"), D("0"), True),
        ("51120", D("0"), D("2.50"), True), ("14410", D("2.50"), D("0"), True)])


def test_lines_that_do_not_balance_stop_the_migration_naming_the_journal(old_lines):
    entity, cost = f.entity_as_the_database_stands(), f.account("51110", "Cost", "EXPENSE", "DIRECTCOSTS")
    journal = CostOfSalesJournal.objects.create(entity=entity, journaled_on=date(2026, 4, 23), description="23")
    old_lines.objects.create(journal_id=journal.pk, account_id=cost.pk, dispatch_line_id=7, debit_amount=D("1.00"))
    with pytest.raises(RuntimeError, match=f"Journal {journal.pk}: its lines for dispatch line 7 do not balance"):
        _migrate(AFTER)
    assert old_lines.objects.count() == 1  # nothing half-done: the migration rolled back
    old_lines.objects.all().delete()
