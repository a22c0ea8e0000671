"""Run named child processes in the foreground as one unit: their output prefixed with their name,
Ctrl-C (SIGINT) or SIGTERM stops every one of them, and one stopping on its own stops the rest.

Kept apart from the `bms demo` command so the stopping rules can be tested with stand-in children
instead of a real web server, worker and sandbox."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class Outcome:
    """How a supervised run ended: `stopped_by` names the child that stopped on its own, if any."""

    stopped_by: str | None = None
    returncode: int | None = None

    @property
    def is_clean(self) -> bool:
        return self.stopped_by is None


def supervise(children: Mapping[str, Sequence[str]], *, env: Mapping[str, str] | None = None,
              out: TextIO | None = None, stop_timeout_s: float = 10.0, poll_s: float = 0.25) -> Outcome:
    out = out or sys.stdout
    stopping = threading.Event()
    # Handlers go in before the first child starts: a Ctrl-C that lands between two starts must
    # still stop the children already running instead of raising KeyboardInterrupt past them.
    previous = {sig: signal.signal(sig, lambda *_: stopping.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes: dict[str, subprocess.Popen] = {}
    relays: list[threading.Thread] = []
    width = max((len(name) for name in children), default=0)
    try:
        for name, command in children.items():
            # Each child leads its own process group, so stopping it also stops whatever it spawned,
            # and a terminal's Ctrl-C reaches only us: we decide the order and the grace period.
            process = subprocess.Popen(  # noqa: S603 (commands come from the caller, not from users)
                list(command), env=dict(env) if env is not None else None, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, start_new_session=True)
            processes[name] = process
            relay = threading.Thread(target=_relay, args=(f"[{name:<{width}}] ", process, out), daemon=True)
            relay.start()
            relays.append(relay)
        outcome = Outcome()
        while not stopping.is_set():
            for name, process in processes.items():
                if process.poll() is not None:
                    outcome = Outcome(stopped_by=name, returncode=process.returncode)
                    stopping.set()
                    break
            stopping.wait(poll_s)
        return outcome
    finally:
        _stop(processes.values(), stop_timeout_s)
        for relay in relays:
            relay.join(timeout=2)  # let the last lines (shutdown messages) reach the terminal
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _relay(prefix: str, process: subprocess.Popen, out: TextIO) -> None:
    for line in process.stdout:
        out.write(prefix + line)
        out.flush()


def _stop(processes, timeout_s: float) -> None:
    """SIGTERM to every group still running, then SIGKILL to any that outlives the grace period.

    Groups are signalled only while their leader is unreaped: after that its id may be reused."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    for process in processes:
        try:
            process.wait(timeout=max(0.05, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the whole group has already exited
        os.killpg(process.pid, sig)
