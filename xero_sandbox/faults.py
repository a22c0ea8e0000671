"""Faults the sandbox can be told to show, for the whole sandbox or one tenant: added latency,
random 500 and 503, "organisation offline", responses dropped after the write committed (the
client sees a reset although the change landed, xero-notes trap 1), and storms of 429s.

The token endpoint has its own set (latency, 500, dropped answers), so a client can be shown a
refresh whose answer was lost after the refresh token rotated (xero-notes §1.4 grace period)."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields


@dataclass
class Faults:
    latency_ms: int = 0
    error_500_rate: float = 0.0
    error_503_rate: float = 0.0
    offline: bool = False
    drop_rate: float = 0.0  # writes only: committed, then the connection is cut before the answer
    storm_429: int = 0  # the next N admitted calls get a 429 (minute limit) whatever the budget says

    @classmethod
    def parse(cls, values: object, base: Faults | None = None) -> Faults:
        """Faults from JSON: unknown names and out-of-range values are a ValueError."""
        if not isinstance(values, dict):
            raise ValueError("send a JSON object of faults")
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown faults: {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
        merged = {**asdict(base or cls()), **values}
        try:
            faults = cls(latency_ms=int(merged["latency_ms"]), error_500_rate=float(merged["error_500_rate"]),
                         error_503_rate=float(merged["error_503_rate"]), offline=bool(merged["offline"]),
                         drop_rate=float(merged["drop_rate"]), storm_429=int(merged["storm_429"]))
        except (TypeError, ValueError):
            raise ValueError("faults must be numbers (offline: true/false)") from None
        rates = (faults.error_500_rate, faults.error_503_rate, faults.drop_rate)
        if not all(0 <= rate <= 1 for rate in rates) or faults.latency_ms < 0 or faults.storm_429 < 0:
            raise ValueError("rates must be between 0 and 1; latency and storms must not be negative")
        return faults

    @classmethod
    def of(cls, org: dict) -> Faults:
        return cls(**(org.get("faults") or {}))

    def save(self, org: dict) -> None:
        org["faults"] = asdict(self)

    def as_dict(self) -> dict:
        return asdict(self)

    def combined(self, other: Faults) -> Faults:
        """Sandbox-wide and tenant faults together: the stronger of each."""
        return Faults(latency_ms=max(self.latency_ms, other.latency_ms),
                      error_500_rate=max(self.error_500_rate, other.error_500_rate),
                      error_503_rate=max(self.error_503_rate, other.error_503_rate),
                      offline=self.offline or other.offline, drop_rate=max(self.drop_rate, other.drop_rate),
                      storm_429=self.storm_429 + other.storm_429)


@dataclass
class IdentityFaults:
    """Faults of the token endpoint."""

    latency_ms: int = 0
    error_500_rate: float = 0.0
    drop_rate: float = 0.0  # the new tokens are issued (the old refresh token rotated), the answer is lost

    @classmethod
    def parse(cls, values: object, base: IdentityFaults | None = None) -> IdentityFaults:
        if not isinstance(values, dict):
            raise ValueError("send a JSON object of faults")
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown identity faults: {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(sorted(known))}")
        merged = {**asdict(base or cls()), **values}
        try:
            faults = cls(latency_ms=int(merged["latency_ms"]), error_500_rate=float(merged["error_500_rate"]),
                         drop_rate=float(merged["drop_rate"]))
        except (TypeError, ValueError):
            raise ValueError("faults must be numbers") from None
        if not (0 <= faults.error_500_rate <= 1 and 0 <= faults.drop_rate <= 1) or faults.latency_ms < 0:
            raise ValueError("rates must be between 0 and 1; latency must not be negative")
        return faults

    def as_dict(self) -> dict:
        return asdict(self)


class Dice:
    """The random faults' dice: seedable, so a fault-mix test is repeatable."""

    def __init__(self, seed: int | None = None):
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._random.random() < rate

    def reseed(self, seed: int) -> None:
        with self._lock:
            self._random.seed(seed)
