"""Two builders at once on the embedded default, a real SQLite file shared by two processes: each
(entity, day) still gets one journal."""

import sqlite3

import pytest

from bms.testing.processes import WAIT_FOR_GO, bms_process, start_together

SETUP = """
from bms.testing import factories as f
from bms.testing.journals import journal_chart, local, shipped
journal_chart()
lathe = f.product(unit_cost="10.0000")
for code, tz in (("AU", "Australia/Sydney"), ("NZ", "Pacific/Auckland")):
    entity = f.entity(code, time_zone=tz)
    for day in range(1, 8):
        shipped(entity, local(f"2026-04-{day:02d} 12:00", tz), (lathe, day))
"""

# Both processes get ready, then wait for the test's "go" so their builds overlap for real.
BUILD = WAIT_FOR_GO + """
from bms.cogs.services import journals_build_due
from bms.entities.models import Entity
from bms.testing.journals import local
for entity in Entity.objects.order_by("code"):
    journals_build_due(entity=entity, now=local("2026-04-09 01:00"))
print("done")
"""


@pytest.mark.slow
def test_two_processes_building_at_once_on_one_sqlite_file_make_each_journal_once(tmp_path):
    bms_process(tmp_path, "migrate", "--no-input", "-v", "0")
    bms_process(tmp_path, code=SETUP)
    builders = [bms_process(tmp_path, code=BUILD, wait=False) for _ in range(2)]
    start_together(builders)
    for process in builders:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    database = sqlite3.connect(tmp_path / "bms.sqlite3")
    journals = database.execute(
        "select count(*), count(distinct entity_id || '-' || journaled_on) from ledger_costofsalesjournal").fetchone()
    postings = database.execute("select count(*) from ledger_journalposting").fetchone()[0]
    assert journals == (14, 14)  # 2 entities × 7 days, each once
    assert postings == 14  # one posting per dispatch line, none twice
