"""Separate BMS processes for tests that race them on one SQLite file, and the start line that
makes their work overlap for real: each process says it is ready and waits; the test says go once
all of them are."""

import os
import subprocess
import sys
import time
from pathlib import Path

# The first lines of a process's `code`: ready, then wait for go.
WAIT_FOR_GO = """
import os as _os, time as _time
from pathlib import Path as _Path
_barrier = _Path(_os.environ["BARRIER_DIR"])
(_barrier / f"ready-{_os.getpid()}").touch()
while not (_barrier / "go").exists():
    _time.sleep(0.005)
"""


def start_together(barrier_dir: Path, count: int, *, timeout_s: float = 30) -> None:
    """Wait until `count` processes are ready at the start line in `barrier_dir`, then let them go."""
    deadline = time.monotonic() + timeout_s
    while len(list(barrier_dir.glob("ready-*"))) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    (barrier_dir / "go").touch()


def bms_process(data_dir, *args: str, code: str | None = None, wait: bool = True):
    """A separate BMS process on the SQLite files in `data_dir`: `manage.py *args`, or `code` run after
    django.setup(). With wait=False the Popen is returned (tests that race processes); otherwise its
    stdout, after asserting it succeeded. `BARRIER_DIR` points at `data_dir` for a start line
    (WAIT_FOR_GO, start_together)."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "BMS_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "config.settings",
           "BARRIER_DIR": str(data_dir)}
    env.pop("BMS_DATABASE_URL", None)
    command = [sys.executable, str(root / "manage.py"), *args] if code is None else [
        sys.executable, "-c", "import django; django.setup()\n" + code]
    # A fixed interpreter and script; `code` comes from the test itself.
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE,  # noqa: S603
                               stderr=subprocess.PIPE, text=True)
    if not wait:
        return process
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out
