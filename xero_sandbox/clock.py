"""The sandbox's clock: real time plus an offset a test can advance (no test has to sleep)."""

import threading
import time
from datetime import UTC, datetime


class Clock:
    def __init__(self):
        self._offset = 0.0
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=UTC)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds
