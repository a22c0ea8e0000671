"""Separate BMS processes for tests that race them on one SQLite file, and the start line that
makes their work overlap for real: each process says it is ready and waits; the test says go once
all of them are (a pipe each way: nothing polls, nothing sleeps)."""

import os
import subprocess
import sys
from pathlib import Path

# The first lines of a process's `code`: say ready on stdout, then wait for the test's go on stdin.
WAIT_FOR_GO = """
import sys as _sys
print("ready", flush=True)
_sys.stdin.readline()
"""


def start_together(processes: list[subprocess.Popen]) -> None:
    """Wait until every process has said ready at the start line, then let them all go at once."""
    for process in processes:
        assert process.stdout is not None and process.stdin is not None
        line = process.stdout.readline()
        assert line == "ready\n", f"{line!r}: {process.stderr.read() if process.stderr else ''}"
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()


def bms_process(data_dir, *args: str, code: str | None = None, wait: bool = True):
    """A separate BMS process on the SQLite files in `data_dir`: `manage.py *args`, or `code` run after
    django.setup(). With wait=False the Popen is returned (tests that race processes); otherwise its
    stdout, after asserting it succeeded; its stdin is then a pipe, for the start line (WAIT_FOR_GO,
    start_together)."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "BMS_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("BMS_DATABASE_URL", None)
    command = [sys.executable, str(root / "manage.py"), *args] if code is None else [
        sys.executable, "-c", "import django; django.setup()\n" + code]
    # A fixed interpreter and script; `code` comes from the test itself.
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE,  # noqa: S603
                               stderr=subprocess.PIPE, stdin=None if wait else subprocess.PIPE, text=True)
    if not wait:
        return process
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out
