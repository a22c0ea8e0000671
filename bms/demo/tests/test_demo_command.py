"""`bms demo` runs its children as one unit. Stand-in children (small Python scripts) take the
place of the web app, worker and sandbox, so the stopping rules are checked in about a second."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from bms.demo.management.commands.demo import demo_children, demo_xero_settings

pytestmark = pytest.mark.slow

# A child that reports its pid and its own child's pid (one grandchild), then waits to be stopped.
WAITER = textwrap.dedent("""
    import subprocess, sys, time
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    print("ready", grandchild.pid, flush=True)
    time.sleep(60)
""")
# A child that ignores SIGTERM, so only the grace period's SIGKILL stops it.
STUBBORN = 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print("ready", flush=True); ' \
           "time.sleep(60)"
# A child that exits by itself once it has said it is up.
QUITTER = 'import sys, time; print("ready", flush=True); time.sleep(0.5); sys.exit(3)'

RUNNER = textwrap.dedent("""
    import json, sys
    from bms.demo.supervisor import supervise
    outcome = supervise(json.loads(sys.argv[1]), stop_timeout_s=1.0, poll_s=0.05)
    print("outcome", outcome.stopped_by, outcome.returncode, flush=True)
""")


def _start(children: dict[str, str]) -> subprocess.Popen:
    import json

    commands = {name: [sys.executable, "-c", code] for name, code in children.items()}
    return subprocess.Popen([sys.executable, "-c", RUNNER, json.dumps(commands)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, cwd=os.getcwd())


def _read_until_ready(runner: subprocess.Popen, count: int) -> list[str]:
    """The supervisor's prefixed lines up to the count-th "ready"."""
    lines = []
    while sum("ready" in line for line in lines) < count:
        line = runner.stdout.readline()
        assert line, f"the supervisor ended early: {lines}"
        lines.append(line)
    return lines


def _is_gone(pid: int, within_s: float = 5.0) -> bool:
    """True once pid no longer runs (a zombie waiting for a reaper counts as gone)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def test_it_stops_every_child_and_what_they_started_on_ctrl_c():
    runner = _start({"web": WAITER, "worker": WAITER, "sandbox": STUBBORN})
    lines = _read_until_ready(runner, 3)
    grandchildren = [int(line.split()[-1]) for line in lines if "ready" in line and line.split()[-1].isdigit()]
    runner.send_signal(signal.SIGINT)
    rest, _ = runner.communicate(timeout=15)
    assert runner.returncode == 0
    assert "outcome None None" in rest
    assert {line.split("]")[0] + "]" for line in lines if "ready" in line} == {"[web    ]", "[worker ]", "[sandbox]"}
    assert len(grandchildren) == 2 and all(_is_gone(pid) for pid in grandchildren)


def test_it_stops_the_rest_when_one_child_dies():
    runner = _start({"web": WAITER, "worker": QUITTER})
    lines = _read_until_ready(runner, 2)
    grandchild = next(int(line.split()[-1]) for line in lines if line.startswith("[web"))
    rest, _ = runner.communicate(timeout=15)
    assert "outcome worker 3" in rest
    assert _is_gone(grandchild)


def test_it_points_the_children_at_the_sandbox_unless_told_otherwise():
    settings = demo_xero_settings(8000, 8001)
    assert settings["XERO_TOKEN_URL"] == "http://127.0.0.1:8001/identity/connect/token"
    assert settings["XERO_API_URL"] == "http://127.0.0.1:8001/api.xro/2.0"
    assert settings["XERO_REDIRECT_URI"] == "http://127.0.0.1:8000/xero/callback/"
    children = demo_children(8000, 8001, settings["XERO_REDIRECT_URI"])
    assert children["web"][-2:] == ["127.0.0.1:8000", "--noreload"]
    assert children["worker"][-1] == "worker"
    assert children["sandbox"][-2:] == ["--port", "8001"]
