"""Faults a tenant can be told to show: added latency, random 500 and 503, "organisation offline",
responses dropped after the write committed, and storms of 429s."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass


@dataclass
class Faults:
    latency_ms: int = 0
    error_500_rate: float = 0.0
    error_503_rate: float = 0.0
    offline: bool = False
    drop_rate: float = 0.0  # writes only: committed, then the connection is cut before the answer
    storm_429: int = 0  # the next N calls get a 429 (minute limit) whatever the budget says

    def __post_init__(self):
        # Values arrive as JSON; faults are not money, so plain numbers suit them.
        self.latency_ms = int(self.latency_ms)
        self.error_500_rate = float(self.error_500_rate)
        self.error_503_rate = float(self.error_503_rate)
        self.drop_rate = float(self.drop_rate)
        self.storm_429 = int(self.storm_429)
        self.offline = bool(self.offline)

    @classmethod
    def of(cls, org: dict) -> Faults:
        return cls(**org.get("faults") or {})

    def save(self, org: dict) -> None:
        org["faults"] = asdict(self)


class Dice:
    def __init__(self, seed: int | None = None):
        self._random = random.Random(seed)

    def roll(self, rate: float) -> bool:
        return rate > 0 and self._random.random() < rate

    def reseed(self, seed: int) -> None:
        self._random.seed(seed)
