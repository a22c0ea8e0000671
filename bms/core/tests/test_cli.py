"""`bms` meets a database it cannot use: one line telling the operator what to do, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


def _bms(*args, database_url: str, tmp_path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("BMS_", "DJANGO_"))}
    env.update({"BMS_DATA_DIR": str(tmp_path), "BMS_DATABASE_URL": database_url,
                "DJANGO_SETTINGS_MODULE": "config.settings"})
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_command_on_a_database_not_yet_migrated_says_to_run_migrate(tmp_path):
    result = _bms("status", database_url=f"sqlite:///{tmp_path / 'new.sqlite3'}", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "not up to date" in result.stderr and "Run `bms migrate` first." in result.stderr
    assert "Traceback" not in result.stderr


def test_a_command_that_cannot_reach_its_database_names_the_setting_to_check(tmp_path):
    # Nothing listens on port 1: refused at once.
    result = _bms("status", database_url="postgres://postgres@127.0.0.1:1/bms", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "BMS cannot reach its database (127.0.0.1)" in result.stderr
    assert "Check BMS_DATABASE_URL" in result.stderr and "Traceback" not in result.stderr


def test_once_migrated_the_same_command_runs(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    assert _bms("migrate", "--no-input", database_url=url, tmp_path=tmp_path).returncode == 0
    result = _bms("status", database_url=url, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
