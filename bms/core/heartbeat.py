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
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection

logger = logging.getLogger(__name__)


@dataclass
class _Beat:
    every_s: float
    beat: Callable[[], object]
    name: str
    due: float


class _Beater:
    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._beats: dict[int, _Beat] = {}
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._running: int | None = None

    def add(self, every_s: float, beat: Callable[[], object], name: str) -> int:
        with self._wake:
            key = next(self._ids)
            # The first beat after one interval: the claim itself was the first sign of life.
            self._beats[key] = _Beat(every_s, beat, name, time.monotonic() + every_s)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="heartbeats", daemon=True)
                self._thread.start()
            self._wake.notify()
            return key

    def remove(self, key: int) -> None:
        with self._wake:
            self._beats.pop(key, None)
            # A beat in progress finishes before its holder goes on (it may be about to release the
            # lease that beat renews).
            while self._running == key:
                self._wake.wait()
            self._wake.notify_all()

    def _run(self) -> None:
        while True:
            with self._wake:
                if not self._beats:
                    connection.close()  # nothing beats: hold no connection while idle
                    while not self._beats:
                        self._wake.wait()
                now = time.monotonic()
                due = [key for key, b in self._beats.items() if b.due <= now]
                if not due:
                    self._wake.wait(min(b.due for b in self._beats.values()) - now)
                    continue
            for key in due:
                with self._wake:
                    b = self._beats.get(key)
                    if b is None:
                        continue  # its holder finished meanwhile
                    b.due = time.monotonic() + b.every_s
                    self._running = key
                try:
                    b.beat()
                except Exception:
                    # A missed beat is not fatal (the lease is several beats long); the next one may land.
                    logger.warning("%s: a beat failed", b.name, exc_info=True)
                    connection.close()  # the next beat starts on a fresh connection (the server may have gone)
                finally:
                    with self._wake:
                        self._running = None
                        self._wake.notify_all()


_beater = _Beater()


@contextmanager
def beating(*, every_s: float, beat: Callable[[], object], name: str = "heartbeat") -> Iterator[None]:
    key = _beater.add(every_s, beat, name)
    try:
        yield
    finally:
        _beater.remove(key)
