"""The eight-process token refresh race on PostgreSQL: the grant's row lock (select_for_update)
serialises the refresh there too, so Xero sees one refresh and nobody gets invalid_grant."""

import os

import pytest

from bms.xero.tests.test_refresh_race import PROCESSES, refresh_race
from tests.scale.harness import drop_database, query, recreate_database, service_urls, sibling_database
from xero_sandbox.testing import run_sandbox

pytestmark = pytest.mark.slow


def test_it_refreshes_one_expiring_grant_once_across_eight_processes_on_postgresql(tmp_path):
    database, _ = service_urls()
    database_url = sibling_database(database, f"race_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    recreate_database(database_url)
    try:
        with run_sandbox(tmp_path / "sandbox") as sandbox:
            results, issued = refresh_race(tmp_path, sandbox, database_url=database_url)
        status = query(database_url, "select status from xero_xerogrant")
    finally:
        drop_database(database_url)
    assert [result[0] for result in results] == ["OK"] * PROCESSES, results
    assert len({result[1] for result in results}) == 1
    assert len(issued) == 2  # the token minted at the start, and exactly one refresh
    assert status == [("active",)]
