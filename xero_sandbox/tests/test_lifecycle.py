"""Starting, stopping and keeping data: a fresh data folder gets the seed, a restart keeps every
change, an unreadable state file is set aside, and `python -m xero_sandbox` serves with its settings.
How fast it starts is measured in bench/sandbox_start.py, not here: a timed test fails on a loaded machine."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from xero_sandbox.testing import free_port, run_sandbox
from xero_sandbox.tests.conftest import Api

ROOT = Path(__file__).resolve().parents[2]


def test_it_keeps_data_and_tokens_across_a_restart(tmp_path):
    data = tmp_path / "sandbox"
    with run_sandbox(data) as sandbox:
        tokens = sandbox.mint_grant()
        api = Api(sandbox, sandbox.tenant_id("AU"), tokens)
        api.put("Contacts", {"Contacts": [{"Name": "Persisted Pty Ltd"}]})
    assert (data / "state.json").exists() and (data / "signing-key.pem").stat().st_mode & 0o077 == 0
    with run_sandbox(data) as sandbox:
        api = Api(sandbox, sandbox.tenant_id("AU"), tokens)  # the same signing key: old tokens still work
        assert len(api.get("Contacts", where='Name=="Persisted Pty Ltd"').json()["Contacts"]) == 1
        answer = httpx.post(f"{sandbox.base_url}/identity/connect/token", data={
            "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": "bms-demo",
            "client_secret": "bms-demo-secret"})
        assert answer.status_code == 200


def test_it_sets_an_unreadable_state_aside_and_starts_from_the_seed(tmp_path):
    data = tmp_path / "sandbox"
    data.mkdir()
    (data / "state.json").write_text("{half a file")
    with run_sandbox(data) as sandbox:
        assert len(sandbox.state()["orgs"]) == 2
    assert list(data.glob("state.unreadable-*.json"))
    assert json.loads((data / "state.json").read_text())["orgs"]


def test_python_m_xero_sandbox_serves_with_the_settings_it_was_given(tmp_path):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "xero_sandbox", "--port", str(port), "--data",
                                str(tmp_path / "data"), "--set", "minute_limit=30"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        page = wait_until_serving(process, f"http://127.0.0.1:{port}/_sandbox/config")
        assert page.json()["minute_limit"] == 30
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert (tmp_path / "data" / "state.json").exists()


def wait_until_serving(process: subprocess.Popen, url: str, *, give_up_after_s: float = 60) -> httpx.Response:
    """The first answer from a sandbox process starting up. `give_up_after_s` only stops a hung start
    from hanging the suite; it is not a speed target."""
    started = time.monotonic()
    while True:
        try:
            return httpx.get(url, timeout=1)
        except httpx.TransportError:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() - started < give_up_after_s, f"no answer within {give_up_after_s} s"
            time.sleep(0.05)  # polling a separate process's port: there is no clock of ours to advance
