"""Idempotency-Key (xero-notes §3.3): a PUT or POST carrying a key has its answer remembered for
`idempotency_window_s` from the first call. The same key with the same request replays that
answer (errors included: a 500 is replayed for the key's lifetime) and changes nothing; the same
key with a different request is a 400. Keys are scoped per app.

A request that arrives while the first one with its key is still being processed waits for it
and then replays its answer, so two racing retries can never both write."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass

from xero_sandbox.clock import Clock
from xero_sandbox.config import SandboxConfig
from xero_sandbox.store import Store

MAX_KEY_LENGTH = 128


@dataclass
class Remembered:
    status: int
    body: bytes
    media_type: str
    headers: dict[str, str]


def fingerprint(*, tenant_id: str, method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (tenant_id.encode(), method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class Idempotency:
    def __init__(self, store: Store, clock: Clock, config: SandboxConfig):
        self.store, self.clock, self.config = store, clock, config
        self._waiters: dict[str, asyncio.Event] = {}
        self._swept_at = 0.0

    @staticmethod
    def _slot(client_id: str, key: str) -> str:
        return f"{client_id}\n{key}"

    async def begin(self, client_id: str, key: str, print_: str) -> Remembered | str | None:
        """None: go ahead (the key is now reserved); a Remembered answer: replay it; a string:
        the key is in use for a different request (Xero's message)."""
        slot = self._slot(client_id, key)
        while True:
            with self.store.lock:
                now = self.clock.time()
                self._forget_expired(now)
                entry = self.store.idempotency.get(slot)
                if entry is None or entry["expires"] < now:
                    self.store.idempotency[slot] = {"fingerprint": print_, "pending": True,
                                                    "expires": now + self.config.idempotency_window_s}
                    self._waiters[slot] = asyncio.Event()
                    return None
                if entry["fingerprint"] != print_:
                    return f"Idempotency Key: {key} is used with a different request"
                if not entry.get("pending"):
                    return Remembered(entry["status"], entry["body"], entry["media_type"], entry["headers"])
                waiter = self._waiters.get(slot)
            if waiter is None:  # pending from a previous run that never finished: treat as new
                with self.store.lock:
                    self.store.idempotency.pop(slot, None)
                continue
            await waiter.wait()

    def finish(self, client_id: str, key: str, answer: Remembered | None) -> None:
        """Remember the answer (None: forget the key, the request was not processed)."""
        slot = self._slot(client_id, key)
        with self.store.lock:
            entry = self.store.idempotency.get(slot)
            if entry is not None and entry.get("pending"):
                if answer is None:
                    del self.store.idempotency[slot]
                else:
                    entry.update(pending=False, status=answer.status, body=answer.body, media_type=answer.media_type,
                                 headers=answer.headers)
                    self.store.changed()
            waiter = self._waiters.pop(slot, None)
        if waiter is not None:
            waiter.set()

    def _forget_expired(self, now: float) -> None:
        if now - self._swept_at < 1.0:  # a sweep a second keeps a busy benchmark cheap
            return
        self._swept_at = now
        expired = [slot for slot, entry in self.store.idempotency.items()
                   if entry["expires"] < now and not entry.get("pending")]
        for slot in expired:
            del self.store.idempotency[slot]
