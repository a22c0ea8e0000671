"""Eight processes needing a token for one expiring grant at the same moment: one refresh at Xero,
no invalid_grant, every process ends up with the same new access token."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bms.testing.processes import WAIT_FOR_GO, start_together
from xero_sandbox.testing import run_sandbox

ROOT = Path(__file__).resolve().parents[3]
PROCESSES = 8

SETUP = """
import os
from datetime import timedelta
import httpx2
from django.utils import timezone
from bms.xero.client.oauth import TokenSet
from bms.xero.models import XeroGrant
from bms.xero.auth.tokens import grant_store_tokens
tokens = TokenSet.model_validate(httpx2.post(os.environ["SANDBOX"] + "/_sandbox/grants", json={}).json())
now = timezone.now()
grant = XeroGrant(xero_user_id=tokens.xero_user_id, authenticated_at=now)
grant_store_tokens(grant=grant, tokens=tokens, now=now)
grant.access_expires_at = now + timedelta(seconds=10)  # inside the refresh margin: everyone must refresh
grant.save()
print(grant.pk)
"""

RACE = """
import os
from bms.xero.auth.tokens import access_token
""" + WAIT_FOR_GO + """
try:
    print("OK", access_token(grant_id=int(os.environ["GRANT_ID"])))
except Exception as exc:
    print("ERR", type(exc).__name__, exc)
"""


def _python(code: str, env: dict, *, wait: bool = True):
    process = subprocess.Popen([sys.executable, "-c", "import django; django.setup()\n" + code], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=None if wait else subprocess.PIPE)
    if not wait:
        return process
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out.strip()


def refresh_race(tmp_path, sandbox, *, database_url: str | None = None) -> tuple[list[list[str]], list[dict]]:
    """Eight processes ask for the token at once; returns each one's answer and the refresh tokens
    the sandbox issued for the grant. On SQLite by default, or on the database at `database_url`
    (the scale suite runs it on PostgreSQL)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "BMS_DATA_DIR": str(tmp_path),
           "BMS_TOKEN_KEYS": Fernet.generate_key().decode(), "XERO_CLIENT_ID": "bms-demo",
           "XERO_CLIENT_SECRET": "bms-demo-secret", "SANDBOX": sandbox.base_url,
           **sandbox.urls()}
    env.pop("BMS_DATABASE_URL", None)
    if database_url:
        env["BMS_DATABASE_URL"] = database_url
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"], cwd=ROOT,
                   env=env, check=True, timeout=120)
    env["GRANT_ID"] = _python(SETUP, env)
    racers = [_python(RACE, env, wait=False) for _ in range(PROCESSES)]
    start_together(racers)
    results = []
    for process in racers:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(out.strip().split(" ", 2))
    grant_id = sandbox.state()["grants"][0]["grant_id"]
    issued = [t for t in sandbox.sandbox.store.refresh_tokens.values() if t["grant_id"] == grant_id]
    return results, issued


@pytest.mark.slow
def test_it_refreshes_one_expiring_grant_once_across_eight_processes(tmp_path):
    with run_sandbox(tmp_path / "sandbox") as sandbox:
        results, issued = refresh_race(tmp_path, sandbox)
    assert [result[0] for result in results] == ["OK"] * PROCESSES, results
    assert len({result[1] for result in results}) == 1  # everyone uses the one new access token
    assert len(issued) == 2  # the token minted at the start, and exactly one refresh
    database = sqlite3.connect(tmp_path / "bms.sqlite3")
    assert database.execute("select status from xero_xerogrant").fetchone() == ("active",)
