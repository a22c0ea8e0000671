"""A background beat: call a function every few seconds while a block runs.

Jobs and tenant leases use it to prove their holder is alive. A holder that dies (SIGKILL, a lost
machine) stops beating, its lease expires, and another worker takes the work over; a holder that is
merely busy keeps its lease however long one Xero call or one batch takes.

    with beating(every_s=5, beat=lambda: Job.objects.filter(pk=job_id).update(heartbeat_at=timezone.now())):
        do_the_work()
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection

logger = logging.getLogger(__name__)


@contextmanager
def beating(*, every_s: float, beat: Callable[[], object], name: str = "heartbeat") -> Iterator[None]:
    stop = threading.Event()

    def run() -> None:
        try:
            # The first beat after one interval: the claim itself was the first sign of life.
            while not stop.wait(every_s):
                try:
                    beat()
                except Exception:
                    # A missed beat is not fatal (the lease is several beats long); the next one may land.
                    logger.warning("%s: a beat failed", name, exc_info=True)
        finally:
            connection.close()  # this thread's own database connection

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=max(1.0, every_s))
