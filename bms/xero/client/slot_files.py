"""Xero's concurrent-call limit for every process on one machine: one lock file per slot.

Xero lets an organisation have 5 calls in flight, counted per app (xero-notes §2): the web
server, the worker and a `bms sync` in a terminal all count against the same 5. In the embedded
deployment (no Redis) each process has its own limiter, so the slots live where all of them see
them: a folder holding, per tenant, `concurrent` files; a call holds an exclusive `flock` on one of
them while it is in flight. The kernel drops the lock when the file is closed — and when its
process dies — so a killed worker never leaks a slot. (Redis deployments count the slots in Redis
instead: redis_limits.py.)

A slot that is not free is asked for again every `poll_s`: a lock released in another process is
not announced. Threads of one process queue on the limiter's semaphore first, so they do not poll.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from pathlib import Path


class SlotFiles:
    def __init__(self, directory: str | os.PathLike[str], *, poll_s: float = 0.01):
        self.directory = Path(directory)
        self._poll_s = poll_s

    def _folder(self, name: str) -> Path:
        # A tenant id is a UUID, but a name is never trusted as a path.
        folder = self.directory / hashlib.sha256(name.encode()).hexdigest()[:24]
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def acquire(self, name: str, count: int, *, deadline: float) -> int | None:
        """A held slot (an open file descriptor: `release` it), or None if none came free by
        `deadline` (time.monotonic())."""
        folder = self._folder(name)
        while True:
            for number in range(count):
                fd = os.open(folder / f"{number}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                return fd
            if time.monotonic() >= deadline:
                return None
            time.sleep(min(self._poll_s, max(0.0, deadline - time.monotonic())))

    @staticmethod
    def release(fd: int) -> None:
        os.close(fd)  # closing drops the lock
