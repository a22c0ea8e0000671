"""Everything about the sandbox that a test or a benchmark may want to change."""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass
class SandboxConfig:
    # Xero's limits (xero-notes §2) and the length of a "minute" and a "day", so benchmarks can
    # run time-scaled.
    concurrent_limit: int = 5
    minute_limit: int = 60
    day_limit: int = 5000
    app_minute_limit: int = 10_000
    minute_s: float = 60.0
    day_s: float = 86_400.0
    limits_enabled: bool = True
    # Token and code lifetimes (xero-notes §1.4).
    access_token_s: int = 1800
    refresh_idle_s: int = 60 * 86_400
    refresh_grace_s: int = 1800
    code_s: int = 300
    idempotency_window_s: float = 360.0
    max_body_bytes: int = 3_500_000
    # Consent page skipped: the authorisation request is granted at once (tests and tools).
    auto_consent: bool = False
    auto_consent_tenants: list[str] = field(default_factory=list)  # empty = every organisation
    persist: bool = True
    # Keep every Accounting API exchange in memory, for contract tests against Xero's OpenAPI file.
    record_traffic: bool = False

    def update(self, values: dict) -> None:
        known = {f.name: f.type for f in fields(self)}
        for name, value in values.items():
            if name not in known:
                raise KeyError(name)
            setattr(self, name, value)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}
