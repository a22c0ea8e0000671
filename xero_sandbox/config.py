"""Everything about the sandbox that a test, a benchmark or the demo may want to change.

Every duration is a number of seconds on the sandbox clock (which tests advance instead of
sleeping), so a benchmark can run Xero's minute and day time-scaled."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal


@dataclass
class SandboxConfig:
    # Xero's limits (xero-notes §2) and the length of a "minute" and a "day".
    concurrent_limit: int = 5
    minute_limit: int = 60
    day_limit: int = 5000
    app_minute_limit: int = 10_000
    minute_s: float = 60.0
    day_s: float = 86_400.0
    limits_enabled: bool = True
    # Token and code lifetimes (xero-notes §1.4).
    access_token_s: int = 1800
    refresh_idle_s: float = 60 * 86_400.0
    refresh_grace_s: float = 1800.0
    code_s: float = 300.0
    id_token_s: int = 300
    # Idempotency-Key: how long a key is remembered (xero-notes §3.3).
    idempotency_window_s: float = 360.0
    max_body_bytes: int = 3_500_000
    # Refuse calls the token's scopes don't cover (401 insufficient_scope, xero-notes §1.3).
    enforce_scopes: bool = True
    # The consent page skipped: an authorisation request is granted at once (tests and tools).
    auto_consent: bool = False
    auto_consent_tenants: list[str] = field(default_factory=list)  # empty = every organisation
    persist: bool = True
    flush_interval_s: float = 0.5  # how soon a change reaches the data folder
    # Keep every Accounting and connections exchange, for contract tests against Xero's OpenAPI files.
    record_traffic: bool = False
    log_limit: int = 200_000  # request-log entries kept (oldest dropped first)

    def update(self, values: dict) -> None:
        """Apply settings from JSON, refusing unknown names and values of the wrong kind."""
        changes = {}
        for name, value in values.items():
            if name not in {f.name for f in fields(self)}:
                raise ValueError(f"unknown setting {name!r}")
            changes[name] = _coerce(name, getattr(self, name), value)
        for name, value in changes.items():
            setattr(self, name, value)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _coerce(name: str, current: object, value: object) -> object:
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false")
        return value
    if isinstance(current, int | float):
        # The control API reads JSON numbers with decimals as Decimal (exact money); they are numbers too.
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
            raise ValueError(f"{name} must be a number")
        try:
            number = type(current)(float(value)) if isinstance(current, float) else int(str(value))
        except ValueError:
            raise ValueError(f"{name} must be a number") from None
        if number < 0:
            raise ValueError(f"{name} must not be negative")
        return number
    if isinstance(current, list):
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError(f"{name} must be a list of strings")
        return list(value)
    return value
