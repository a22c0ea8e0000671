"""A background beat: call a function every few seconds while a block runs.

Jobs and tenant leases use it to prove their holder is alive. A holder that dies (SIGKILL, a lost
machine) stops beating, its lease expires, and another worker takes the work over; a holder that is
merely busy keeps its lease however long one Xero call or one batch takes.

    with beating(every_s=5, beat=lambda: Job.objects.filter(pk=job_id).update(heartbeat_at=timezone.now())):
        do_the_work()

Every beat of a process runs on one thread with one database connection, however many jobs and
leases it holds: a worker running 16 jobs at once must not hold 32 extra connections (PostgreSQL
refuses clients past max_connections, 100 by default). The connection is closed whenever nothing
is beating, so an idle worker holds none.

Time comes from a clock (`now()` and `wait(condition, timeout)`), monotonic in production; the
tests give a `Beater` a manual clock and move time on themselves, so they never sleep.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

from django.db import connection

logger = logging.getLogger(__name__)


class Clock(Protocol):
    def now(self) -> float: ...

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        """Wait on `condition` (held by the caller) until notified or `timeout` seconds have passed."""


class MonotonicClock:
    def now(self) -> float:
        return time.monotonic()

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        condition.wait(timeout)


def _close_connection() -> None:
    connection.close()  # the calling thread's own connection (Django's are per thread)


@dataclass
class _Beat:
    every_s: float
    beat: Callable[[], object]
    name: str
    due: float


class Beater:
    """Runs every beat of its holders on one thread of its own, started with the first holder."""

    def __init__(self, clock: Clock | None = None, close_connection: Callable[[], None] = _close_connection) -> None:
        self._clock = clock or MonotonicClock()
        self._close_connection = close_connection
        self._wake = threading.Condition()
        self._beats: dict[int, _Beat] = {}
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._running: int | None = None

    @contextmanager
    def beating(self, *, every_s: float, beat: Callable[[], object], name: str = "heartbeat") -> Iterator[None]:
        key = self.add(every_s, beat, name)
        try:
            yield
        finally:
            self.remove(key)

    def add(self, every_s: float, beat: Callable[[], object], name: str) -> int:
        with self._wake:
            key = next(self._ids)
            # The first beat after one interval: the claim itself was the first sign of life.
            self._beats[key] = _Beat(every_s, beat, name, self._clock.now() + every_s)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="heartbeats", daemon=True)
                self._thread.start()
            self._wake.notify_all()
            return key

    def remove(self, key: int) -> None:
        with self._wake:
            self._beats.pop(key, None)
            self._wake.notify_all()  # the beater recomputes what is due next
            # A beat in progress finishes before its holder goes on (it may be about to release the
            # lease that beat renews).
            while self._running == key:
                self._wake.wait()

    def _run(self) -> None:
        while True:
            for key in self._wait_for_due():
                self._beat_once(key)

    def _wait_for_due(self) -> list[int]:
        with self._wake:
            while True:
                if not self._beats:
                    self._close_connection()  # nothing beats: hold no connection while idle
                    while not self._beats:
                        self._clock.wait(self._wake, None)
                now = self._clock.now()
                due = [key for key, b in self._beats.items() if b.due <= now]
                if due:
                    return due
                self._clock.wait(self._wake, min(b.due for b in self._beats.values()) - now)

    def _beat_once(self, key: int) -> None:
        with self._wake:
            b = self._beats.get(key)
            if b is None:
                return  # its holder finished meanwhile
            b.due = self._clock.now() + b.every_s
            self._running = key
        try:
            b.beat()
        except Exception:
            # A missed beat is not fatal (the lease is several beats long); the next one may land.
            logger.warning("%s: a beat failed", b.name, exc_info=True)
            self._close_connection()  # the next beat starts on a fresh connection (the server may have gone)
        finally:
            with self._wake:
                self._running = None
                self._wake.notify_all()


_beater = Beater()


def beating(*, every_s: float, beat: Callable[[], object], name: str = "heartbeat") -> AbstractContextManager[None]:
    """Call `beat` every `every_s` seconds, on the process's one beater thread, while the block runs."""
    return _beater.beating(every_s=every_s, beat=beat, name=name)
