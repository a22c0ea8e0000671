"""The Idempotency-Keys of the push (sync/push.py): one per record version, one per batch."""

from __future__ import annotations

import hashlib


def record_key(*, xero_tenant_id: str, kind: str, record_id: int, revision: int, epoch: int = 0,
               link_id: int = 0) -> str:
    """A record's key: the same push sends the same key, so within Xero's window a replay creates
    nothing; the epoch moves on only when a fresh key is wanted (xero-notes trap 18). The link row is
    part of it: a link deleted (Delete Integration) and made again must never replay the old create."""
    return f"bms-{kind}-{record_id}-r{revision}-e{epoch}-l{link_id}-{xero_tenant_id.replace('-', '')[:12]}"


def batch_key(member_keys: list[str], *, operation: str) -> str:
    """A batch's key, from its members' keys in any order. The operation is part of it: the same
    records sent by PUT and then by POST are two requests and must never share a key."""
    digest = hashlib.sha256("\n".join(sorted(member_keys)).encode()).hexdigest()
    return f"bms-{operation}-{digest[:48]}"
