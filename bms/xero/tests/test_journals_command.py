"""`bms journals build|push`."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from bms.cogs.models import CostOfSalesJournal
from bms.testing.journals import journal_chart, local, shipped
from bms.xero.models import JournalLink, LinkStatus

pytestmark = pytest.mark.django_db


def test_it_builds_a_date_range_then_pushes_it(connected, sandbox, au_entity, capsys):
    from bms.testing import factories as f

    journal_chart()
    lathe = f.product(unit_cost="10.0000")
    shipped(au_entity, local("2026-04-21 12:00"), (lathe, 1))
    shipped(au_entity, local("2026-04-23 12:00"), (lathe, 3))
    call_command("journals", "build", "--entity", "AU", "--from", "2026-04-21", "--to", "2026-04-23")
    out = capsys.readouterr().out
    assert "AU 21/04/2026  B2B Cost of Sales Journal for 21/04/2026  debit 10.00 / credit 10.00" in out
    assert "AU 22/04/2026  no dispatches: no journal" in out
    assert CostOfSalesJournal.objects.count() == 2

    call_command("journals", "push", "--entity", "AU", "--date", "2026-04-23")
    assert "1 created" in capsys.readouterr().out
    assert list(JournalLink.objects.filter(status=LinkStatus.SYNCED).values_list("journal__journaled_on", flat=True)
                ) == [date(2026, 4, 23)]


def test_it_refuses_unclear_dates_with_a_message(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("journals", "build", "--date", "23/04/2026")
    with pytest.raises(CommandError, match="both --from and --to"):
        call_command("journals", "build", "--from", "2026-04-01")
    with pytest.raises(CommandError, match="No entity has the code"):
        call_command("journals", "push", "--entity", "XX")
    with pytest.raises(CommandError, match="no entities yet: add one under Admin → Entities"):
        call_command("journals", "build")
