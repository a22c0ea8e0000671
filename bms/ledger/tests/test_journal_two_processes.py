"""Two builders at once on the embedded default, a real SQLite file shared by two processes: each
(entity, day) still gets one journal."""

import sqlite3
import time
from pathlib import Path

import pytest

from bms.core.testing import bms_process

ROOT = Path(__file__).resolve().parents[3]

SETUP = """
from bms.billing.tests import factories as f
from bms.ledger.tests.journal_data import journal_chart, local, shipped
journal_chart()
lathe = f.product(unit_cost="10.0000")
for code, tz in (("AU", "Australia/Sydney"), ("NZ", "Pacific/Auckland")):
    entity = f.entity(code, time_zone=tz)
    for day in range(1, 8):
        shipped(entity, local(f"2026-04-{day:02d} 12:00", tz), (lathe, day))
"""

# Both processes get ready, then wait for the test's "go" so their builds overlap for real.
BUILD = """
import os, time
from pathlib import Path
from bms.entities.models import Entity
from bms.ledger.services.journals import journals_build_due
from bms.ledger.tests.journal_data import local
barrier = Path(os.environ["BARRIER_DIR"])
(barrier / f"ready-{os.getpid()}").touch()
while not (barrier / "go").exists():
    time.sleep(0.005)
for entity in Entity.objects.order_by("code"):
    journals_build_due(entity=entity, now=local("2026-04-09 01:00"))
print("done")
"""


@pytest.mark.slow
def test_two_processes_building_at_once_on_one_sqlite_file_make_each_journal_once(tmp_path):
    bms_process(tmp_path, "migrate", "--no-input", "-v", "0")
    bms_process(tmp_path, code=SETUP)
    builders = [bms_process(tmp_path, code=BUILD, wait=False) for _ in range(2)]
    for _ in range(3000):
        if len(list(tmp_path.glob("ready-*"))) == 2:
            break
        time.sleep(0.01)
    (tmp_path / "go").touch()
    for process in builders:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    database = sqlite3.connect(tmp_path / "bms.sqlite3")
    journals = database.execute(
        "select count(*), count(distinct entity_id || '-' || journaled_on) from ledger_costofsalesjournal").fetchone()
    postings = database.execute("select count(*) from ledger_journalposting").fetchone()[0]
    assert journals == (14, 14)  # 2 entities × 7 days, each once
    assert postings == 14  # one posting per dispatch line, none twice
