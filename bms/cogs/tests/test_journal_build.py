"""journal_build_for_day: worked examples of the nightly cost-of-sales journal (PRODUCT.md §3.6)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import IntegrityError

from bms.cogs.models import CostOfSalesJournal, JournalCursor, JournalPosting
from bms.cogs.selectors import journal_account_summary, journal_lines
from bms.cogs.services import journal_build_for_day, journals_build_due
from bms.core.errors import DomainError
from bms.preferences.models import GeneralSettings
from bms.stock.services import dispatch_cancel, dispatch_line_change_quantity
from bms.testing import factories as f
from bms.testing.journals import D, journal_chart, local, shipped

pytestmark = pytest.mark.django_db
DAY = date(2026, 4, 23)
AFTER = local("2026-04-24 01:00")


@pytest.fixture
def chart(db):
    return journal_chart()


@pytest.fixture
def au(db):
    return f.entity("AU", time_zone="Australia/Sydney")


def _lines(journal):
    """The journal's lines as its page lists them: each posting as its Cost line and its Stock line."""
    lines = journal_lines(journal)
    return [(line.account.code, line.product.sku if line.product else "", line.dispatch_reference, line.quantity,
             line.unit_cost, line.debit_amount, line.credit_amount, line.is_reversal)
            for line in lines[0:lines.count()]]


def test_it_builds_one_balanced_journal_from_a_days_dispatches_with_exact_lines(chart, au):
    lathe = f.product("LATHE", unit_cost="100.3333")
    filters = f.product("FILTER", name="Filter", unit_cost="2.6750", cost_account=chart["parts"])
    shipped(au, local("2026-04-22 23:59:59"), (lathe, 1), reference="DSP-BEFORE")  # the day before
    shipped(au, local("2026-04-23 00:00"), (lathe, 2), (filters, 3), reference="DSP-1")
    shipped(au, local("2026-04-23 23:59:59"), (filters, 1), reference="DSP-2")
    shipped(au, local("2026-04-24 00:00"), (lathe, 5), reference="DSP-AFTER")  # the day after

    journal = journal_build_for_day(entity=au, day=DAY, now=AFTER)

    assert journal.description == "B2B Cost of Sales Journal for 23/04/2026"
    assert journal.reference == "BMS-COS-AU-20260423"
    # 2 × 100.3333 = 200.6666 → 200.67; 3 × 2.675 = 8.025 → 8.03 (half-up, as Xero rounds); 1 × 2.675 → 2.68
    assert _lines(journal) == [
        ("51110", "LATHE", "DSP-1", D("2"), D("100.3333"), D("200.67"), D("0"), False),
        ("14410", "LATHE", "DSP-1", D("2"), D("100.3333"), D("0"), D("200.67"), False),
        ("51120", "FILTER", "DSP-1", D("3"), D("2.675"), D("8.03"), D("0"), False),
        ("14410", "FILTER", "DSP-1", D("3"), D("2.675"), D("0"), D("8.03"), False),
        ("51120", "FILTER", "DSP-2", D("1"), D("2.675"), D("2.68"), D("0"), False),
        ("14410", "FILTER", "DSP-2", D("1"), D("2.675"), D("0"), D("2.68"), False),
    ]
    assert (journal.debit_amount, journal.credit_amount, journal.is_balanced) == (D("211.38"), D("211.38"), True)
    summary = {row["account__code"]: row["net"] for row in journal_account_summary(journal)}
    assert summary == {"14410": D("-211.38"), "51110": D("200.67"), "51120": D("10.71")}


def test_it_uses_the_cost_captured_at_shipping_not_todays_cost(chart, au):
    lathe = f.product("LATHE", unit_cost="100.0000")
    shipped(au, local("2026-04-23 10:00"), (lathe, 1))
    lathe.unit_cost = D("150.0000")
    lathe.save()
    journal = journal_build_for_day(entity=au, day=DAY, now=AFTER)
    assert journal.debit_amount == D("100.00")


def test_a_day_without_dispatches_makes_no_journal(chart, au):
    assert journal_build_for_day(entity=au, day=DAY, now=AFTER) is None
    assert not CostOfSalesJournal.objects.exists()


def test_building_a_day_twice_keeps_the_one_journal(chart, au):
    shipped(au, local("2026-04-23 10:00"), (f.product(), 1))
    first = journal_build_for_day(entity=au, day=DAY, now=AFTER)
    shipped(au, local("2026-04-23 11:00"), (f.product("OTHER"), 1))  # arrives after the build
    second = journal_build_for_day(entity=au, day=DAY, now=AFTER)
    assert first.pk == second.pk and JournalPosting.objects.filter(journal=first).count() == 1


def test_a_day_that_has_not_ended_is_refused(chart, au):
    with pytest.raises(DomainError, match="has not ended yet"):
        journal_build_for_day(entity=au, day=DAY, now=local("2026-04-23 23:59"))


def test_the_description_prefix_is_configurable(chart, au):
    GeneralSettings.objects.update_or_create(pk=1, defaults={"journal_description_prefix": "COGS for"})
    shipped(au, local("2026-04-23 10:00"), (f.product(), 1))
    assert journal_build_for_day(entity=au, day=DAY, now=AFTER).description == "COGS for 23/04/2026"


def test_a_missing_cost_account_is_named_with_the_products_and_the_fix(au, db):
    f.account("14410", "Stock on Hand", "ASSET", "CURRENT")
    shipped(au, local("2026-04-23 10:00"), (f.product("LATHE"), 1))
    with pytest.raises(DomainError, match=r"No Cost account for LATHE: choose the Cost account in Admin → Accounts"):
        journal_build_for_day(entity=au, day=DAY, now=AFTER)
    assert not CostOfSalesJournal.objects.exists()


def test_a_dst_day_counts_its_twenty_five_hours(chart, au):
    # Sydney leaves daylight saving on 5 April 2026 at 03:00: that trading day lasts 25 hours.
    lathe = f.product(unit_cost="10.0000")
    shipped(au, local("2026-04-05 00:30"), (lathe, 1))
    shipped(au, local("2026-04-05 02:30").replace(fold=1), (lathe, 2))  # the second 02:30
    shipped(au, local("2026-04-05 23:59:59"), (lathe, 4))
    shipped(au, local("2026-04-06 00:00"), (lathe, 8))
    journal = journal_build_for_day(entity=au, day=date(2026, 4, 5), now=local("2026-04-06 01:00"))
    assert journal.debit_amount == D("70.00")


def test_one_instant_falls_on_different_trading_days_in_two_time_zones(chart, au):
    nz = f.entity("NZ", time_zone="Pacific/Auckland")
    lathe = f.product(unit_cost="10.0000")
    instant = local("2026-04-23 13:30", "UTC")  # 23:30 in Sydney, 01:30 the next day in Auckland
    shipped(au, instant, (lathe, 1))
    shipped(nz, instant, (lathe, 2))
    now = local("2026-04-25 02:00", "UTC")
    assert journal_build_for_day(entity=au, day=DAY, now=now).debit_amount == D("10.00")
    assert journal_build_for_day(entity=nz, day=DAY, now=now) is None
    assert journal_build_for_day(entity=nz, day=DAY + timedelta(days=1), now=now).debit_amount == D("20.00")


def test_a_dispatch_cancelled_after_its_day_was_journaled_is_reversed_on_the_day_of_the_cancellation(chart, au):
    lathe = f.product("LATHE", unit_cost="100.3333")
    dispatch = shipped(au, local("2026-04-23 10:00"), (lathe, 2), reference="DSP-1")
    shipped(au, local("2026-04-23 11:00"), (lathe, 1), reference="DSP-KEPT")
    original = journal_build_for_day(entity=au, day=DAY, now=AFTER)
    with time_machine.travel(local("2026-04-25 15:00"), tick=False):
        dispatch_cancel(dispatch=dispatch)
    assert journal_build_for_day(entity=au, day=date(2026, 4, 24), now=local("2026-04-26 01:00")) is None
    correction = journal_build_for_day(entity=au, day=date(2026, 4, 25), now=local("2026-04-26 01:00"))

    assert _lines(correction) == [
        ("51110", "LATHE", "DSP-1", D("2"), D("100.3333"), D("0"), D("200.67"), True),
        ("14410", "LATHE", "DSP-1", D("2"), D("100.3333"), D("200.67"), D("0"), True),
    ]
    assert correction.is_balanced
    original.refresh_from_db()
    assert (original.debit_amount, len(_lines(original))) == (D("301.00"), 4)  # never rewritten


def test_a_quantity_corrected_later_is_reversed_and_posted_again_at_the_new_quantity(chart, au):
    lathe = f.product("LATHE", unit_cost="10.0000")
    dispatch = shipped(au, local("2026-04-23 10:00"), (lathe, 5), reference="DSP-1")
    journal_build_for_day(entity=au, day=DAY, now=AFTER)
    with time_machine.travel(local("2026-04-24 09:00"), tick=False):
        dispatch_line_change_quantity(line=dispatch.lines.get(), quantity=D("3"))
    correction = journal_build_for_day(entity=au, day=date(2026, 4, 24), now=local("2026-04-25 01:00"))
    assert _lines(correction) == [
        ("51110", "LATHE", "DSP-1", D("5"), D("10"), D("0"), D("50.00"), True),
        ("14410", "LATHE", "DSP-1", D("5"), D("10"), D("50.00"), D("0"), True),
        ("51110", "LATHE", "DSP-1", D("3"), D("10"), D("30.00"), D("0"), False),
        ("14410", "LATHE", "DSP-1", D("3"), D("10"), D("0"), D("30.00"), False),
    ]
    # A later build of another day finds nothing left to correct.
    assert journal_build_for_day(entity=au, day=date(2026, 4, 25), now=local("2026-04-26 01:00")) is None


def test_a_dispatch_cancelled_before_its_day_was_built_is_simply_left_out(chart, au):
    dispatch = shipped(au, local("2026-04-23 10:00"), (f.product(), 1))
    with time_machine.travel(local("2026-04-23 12:00"), tick=False):
        dispatch_cancel(dispatch=dispatch)
    assert journal_build_for_day(entity=au, day=DAY, now=AFTER) is None


def test_three_missed_nights_are_caught_up_oldest_first_and_never_twice(chart, au):
    lathe = f.product(unit_cost="10.0000")
    for day, quantity in ((20, 1), (21, 2), (23, 3)):  # nothing shipped on the 22nd
        shipped(au, local(f"2026-04-{day} 12:00"), (lathe, quantity))
    JournalCursor.objects.create(entity=au, built_through_on=date(2026, 4, 19))
    outcome = journals_build_due(entity=au, now=AFTER)  # the scheduler was down 20–22 April
    assert outcome.days == 4
    assert [(j.journaled_on.day, j.debit_amount) for j in outcome.built] == [
        (20, D("10.00")), (21, D("20.00")), (23, D("30.00"))]
    assert journals_build_due(entity=au, now=AFTER).days == 0
    assert CostOfSalesJournal.objects.count() == 3
    assert JournalCursor.objects.get(entity=au).built_through_on == DAY


def test_the_first_run_starts_at_the_entitys_first_shipment(chart, au):
    shipped(au, local("2026-04-21 12:00"), (f.product(unit_cost="1.0000"), 1))
    outcome = journals_build_due(entity=au, now=AFTER)
    assert outcome.days == 3 and len(outcome.built) == 1


def test_a_shipment_recorded_after_its_day_was_journaled_goes_into_the_journal_of_the_day_it_was_recorded(chart, au):
    lathe = f.product("LATHE", unit_cost="10.0000")
    shipped(au, local("2026-04-23 10:00"), (lathe, 1), reference="DSP-1")
    journal_build_for_day(entity=au, day=DAY, now=AFTER)
    # Recorded on the 24th, with the time the goods really left: the 23rd, already journaled.
    from bms.stock.services import dispatch_create, dispatch_ship

    with time_machine.travel(local("2026-04-24 09:00"), tick=False):
        late = dispatch_create(entity=au, customer=f.customer(code="LATE"), reference="DSP-LATE",
                               lines=[(lathe, D("4"))])
        dispatch_ship(dispatch=late, shipped_at=local("2026-04-23 16:00"))
    journal = journal_build_for_day(entity=au, day=date(2026, 4, 24), now=local("2026-04-25 01:00"))
    assert [(line[2], line[5], line[6], line[7]) for line in _lines(journal)] == [
        ("DSP-LATE", D("40.00"), D("0"), False), ("DSP-LATE", D("0"), D("40.00"), False)]


def _shipped_on_the_20th(entity, lathe, filters):
    return (shipped(entity, local("2026-04-20 10:00"), (lathe, 5), (filters, 2), reference="DSP-1"),
            shipped(entity, local("2026-04-20 11:00"), (lathe, 1), reference="DSP-2"))


def _the_days_after(entity, lathe, filters, first, gone):
    """A shipment on the 21st, a quantity corrected on the 22nd, a cancellation on the 23rd, and on
    the 23rd a shipment recorded with the time it really left, the 21st."""
    from bms.stock.services import dispatch_create, dispatch_ship

    shipped(entity, local("2026-04-21 09:00"), (filters, 7), reference="DSP-3")
    with time_machine.travel(local("2026-04-22 09:00"), tick=False):
        dispatch_line_change_quantity(line=first.lines.get(product=lathe), quantity=D("3"))
    with time_machine.travel(local("2026-04-23 15:00"), tick=False):
        dispatch_cancel(dispatch=gone)
        late = dispatch_create(entity=entity, customer=f.customer(code=f"LATE-{entity.code}"),
                               reference="DSP-LATE", lines=[(lathe, D("4"))])
        dispatch_ship(dispatch=late, shipped_at=local("2026-04-21 16:00"))


def _journals(entity):
    return [(j.journaled_on, j.debit_amount, j.credit_amount, _lines(j))
            for j in CostOfSalesJournal.objects.filter(entity=entity).order_by("journaled_on")]


@pytest.mark.parametrize("twentieth_built_first", [False, True])
def test_a_catch_up_of_several_days_at_once_gives_exactly_what_building_them_one_by_one_gives(
        chart, twentieth_built_first):
    lathe = f.product("LATHE", unit_cost="10.0000")
    filters = f.product("FILTER", unit_cost="2.6750", cost_account=chart["parts"])
    at_once, one_by_one = f.entity("AU", time_zone="Australia/Sydney"), f.entity("AU2", time_zone="Australia/Sydney")
    for entity in (at_once, one_by_one):
        first, gone = _shipped_on_the_20th(entity, lathe, filters)
        if twentieth_built_first:  # the night of the 20th ran; the scheduler was then down four nights
            journals_build_due(entity=entity, now=local("2026-04-21 01:00"))
        _the_days_after(entity, lathe, filters, first, gone)

    outcome = journals_build_due(entity=at_once, now=local("2026-04-25 01:00"))
    day = date(2026, 4, 21) if twentieth_built_first else date(2026, 4, 20)
    while day <= date(2026, 4, 24):
        journal_build_for_day(entity=one_by_one, day=day, now=local("2026-04-25 01:00"))
        day += timedelta(days=1)
    JournalCursor.objects.update_or_create(entity=one_by_one, defaults={"built_through_on": date(2026, 4, 24)})

    assert outcome.days == (4 if twentieth_built_first else 5)
    journals = _journals(at_once)
    assert journals == _journals(one_by_one)
    assert all(debit == credit for _day, debit, credit, _lines in journals)
    reversed_on = sorted({day.day for day, _d, _c, lines in journals for line in lines if line[7]})
    # Built first, the 20th is corrected on the days of the changes; built in the catch-up, it is
    # simply journaled as the dispatches are now, and nothing needs reversing.
    assert reversed_on == ([22, 23] if twentieth_built_first else [])


def test_deleting_a_journal_through_django_deletes_its_postings(chart, au):
    shipped(au, local("2026-04-23 10:00"), (f.product(), 1))
    journal = journal_build_for_day(entity=au, day=DAY, now=AFTER)
    journal.delete()
    assert not JournalPosting.objects.exists()


def test_a_line_naming_an_account_that_does_not_exist_fails_the_build(chart, au, monkeypatch):
    from bms.cogs import services as journals

    shipped(au, local("2026-04-23 10:00"), (f.product(), 1))
    monkeypatch.setattr(journals._Context, "read", classmethod(
        lambda cls, entity: cls(tz_name="Australia/Sydney", cost_account_id=999_999,
                                stock_account_id=chart["stock"].pk, prefix="COS")))
    with pytest.raises(IntegrityError, match="accounts that do not exist: \\[999999\\]"):
        journal_build_for_day(entity=au, day=DAY, now=AFTER)
    assert not CostOfSalesJournal.objects.exists() and not JournalPosting.objects.exists()


def test_each_dispatch_line_is_one_posting_shown_as_its_two_lines(chart, au):
    lathe = f.product("LATHE", unit_cost="100.3333")
    filters = f.product("FILTER", unit_cost="2.6750", cost_account=chart["parts"])
    shipped(au, local("2026-04-23 10:00"), (lathe, 2), (filters, 3), reference="DSP-1")
    journal = journal_build_for_day(entity=au, day=DAY, now=AFTER)
    postings = journal.postings.order_by("pk")
    assert [(p.cost_account.code, p.stock_account.code, p.quantity, p.amount, p.is_reversal) for p in postings] == [
        ("51110", "14410", D("2"), D("200.67"), False), ("51120", "14410", D("3"), D("8.03"), False)]
    assert _lines(journal) == [
        ("51110", "LATHE", "DSP-1", D("2"), D("100.3333"), D("200.67"), D("0"), False),
        ("14410", "LATHE", "DSP-1", D("2"), D("100.3333"), D("0"), D("200.67"), False),
        ("51120", "FILTER", "DSP-1", D("3"), D("2.675"), D("8.03"), D("0"), False),
        ("14410", "FILTER", "DSP-1", D("3"), D("2.675"), D("0"), D("8.03"), False),
    ]
    # A page boundary can fall between a posting's two lines.
    lines = journal_lines(journal)
    assert [line.account.code for line in lines[1:3]] == ["14410", "51120"] and lines.count() == 4


def test_a_reversal_after_the_products_accounts_changed_takes_back_the_original_accounts(chart, au):
    lathe = f.product("LATHE", unit_cost="10.0000")
    dispatch = shipped(au, local("2026-04-23 10:00"), (lathe, 5), reference="DSP-1")
    journal_build_for_day(entity=au, day=DAY, now=AFTER)
    other_stock = f.account("14420", "Stock in Transit", "ASSET", "CURRENT")
    lathe.cost_account, lathe.stock_account = chart["parts"], other_stock
    lathe.save()
    with time_machine.travel(local("2026-04-24 09:00"), tick=False):
        dispatch_line_change_quantity(line=dispatch.lines.get(), quantity=D("3"))
    correction = journal_build_for_day(entity=au, day=date(2026, 4, 24), now=local("2026-04-25 01:00"))
    assert _lines(correction) == [
        ("51110", "LATHE", "DSP-1", D("5"), D("10"), D("0"), D("50.00"), True),  # what was posted, where it was
        ("14410", "LATHE", "DSP-1", D("5"), D("10"), D("50.00"), D("0"), True),
        ("51120", "LATHE", "DSP-1", D("3"), D("10"), D("30.00"), D("0"), False),  # as it stands now
        ("14420", "LATHE", "DSP-1", D("3"), D("10"), D("0"), D("30.00"), False),
    ]
    summary = {row["account__code"]: (row["debit"], row["credit"], row["net"])
               for row in journal_account_summary(correction)}
    assert summary == {"14410": (D("50.00"), D("0.00"), D("50.00")), "14420": (D("0.00"), D("30.00"), D("-30.00")),
                       "51110": (D("0.00"), D("50.00"), D("-50.00")), "51120": (D("30.00"), D("0.00"), D("30.00"))}
    assert (correction.debit_amount, correction.credit_amount) == (D("80.00"), D("80.00"))
    # Cancelled the day after: both postings still standing come back, each on its own accounts.
    with time_machine.travel(local("2026-04-25 09:00"), tick=False):
        dispatch_cancel(dispatch=dispatch)
    cancelled = journal_build_for_day(entity=au, day=date(2026, 4, 25), now=local("2026-04-26 01:00"))
    assert [(line[0], line[5], line[6]) for line in _lines(cancelled)] == [
        ("51120", D("0"), D("30.00")), ("14420", D("30.00"), D("0"))]
