"""The data directory and everything BMS keeps in it are readable by BMS's own account only."""

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from bms.core.data_files import data_dir_make_private, file_create_private

ROOT = Path(__file__).resolve().parents[3]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_install_creates_its_data_directory_0700_and_its_databases_0600(tmp_path):
    data = tmp_path / "var"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("BMS_", "DJANGO_", "XERO_"))}
    env.update({"BMS_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "config.settings", "BMS_XERO_ENV_FILE": ""})
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert _mode(data) == 0o700
    assert _mode(data / "bms.sqlite3") == 0o600 and (data / "bms.sqlite3").stat().st_size > 0  # migrated
    assert _mode(data / "jobs.sqlite3") == 0o600
    others = [p for p in data.rglob("*") if p.is_file() and "static" not in p.parts and _mode(p) & 0o077]
    assert others == []


def test_at_startup_it_takes_away_what_others_could_read_in_an_existing_data_directory(tmp_path):
    data = tmp_path / "var"
    (data / "xero-sandbox").mkdir(parents=True)
    files = [data / "bms.sqlite3", data / "bms.sqlite3-wal", data / "xero.env", data / "xero-sandbox" / "store.json"]
    for file in files:
        file.write_text("x")
        file.chmod(0o644)
    data.chmod(0o755)
    (data / "xero-sandbox").chmod(0o755)
    data_dir_make_private(data, create=[data / "jobs.sqlite3"])
    assert _mode(data) == 0o700 and _mode(data / "xero-sandbox") == 0o700
    assert {file.name: _mode(file) for file in files} == {file.name: 0o600 for file in files}
    assert _mode(data / "jobs.sqlite3") == 0o600


def test_sqlite_gives_its_wal_shm_and_journal_files_the_databases_0600(tmp_path):
    for journal_mode, companions in (("WAL", ("-wal", "-shm")), ("PERSIST", ("-journal",))):
        database = tmp_path / f"{journal_mode}.sqlite3"
        file_create_private(database)
        connection = sqlite3.connect(database)
        try:
            connection.execute(f"PRAGMA journal_mode={journal_mode}")
            connection.execute("CREATE TABLE t (x)")
            connection.execute("INSERT INTO t VALUES (1)")
            connection.commit()
            modes = {suffix: _mode(Path(f"{database}{suffix}")) for suffix in companions}
        finally:
            connection.close()
        assert modes == dict.fromkeys(companions, 0o600), journal_mode
    assert _mode(database) == 0o600
