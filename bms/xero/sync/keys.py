"""Deterministic Idempotency-Keys (ARCHITECTURE.md, "Writing to Xero").

A record's key is a function of (tenant, kind, BMS id, revision, epoch): a retry of the same
push sends the same key, so within Xero's six-minute window a replay creates nothing. The epoch
moves on only when we deliberately want a fresh key (Xero cached an internal error against the
old one, xero-notes trap 18). A batch's key is derived from its members' keys, so re-sending the
same batch replays, and a different batch can never collide with it.
"""

import hashlib


def record_key(*, tenant_id: str, kind: str, record_id: int, revision: int, epoch: int = 0) -> str:
    return f"bms-{kind}-{record_id}-r{revision}-e{epoch}-{tenant_id.replace('-', '')[:12]}"


def batch_key(member_keys: list[str], *, operation: str) -> str:
    """The operation (create, update…) is part of the key: the same records sent by PUT and then by
    POST are two different requests and must never share a key."""
    digest = hashlib.sha256("\n".join(sorted(member_keys)).encode()).hexdigest()
    return f"bms-{operation}-{digest[:48]}"
