"""The sandbox's data: organisations (with their accounts, tax rates, contacts, invoices,
payments and manual journals), OAuth clients, users, grants, connections, refresh tokens and
remembered Idempotency-Key answers.

Held in memory under one re-entrant lock: an endpoint validates a whole element before it
changes anything and runs entirely under the lock, so concurrent requests never see or leave
half an element. A background thread writes the state to `state.json` in the data folder
shortly after each change (and on shutdown), through a temporary file and an atomic rename, so
the file on disk is always a complete snapshot.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

logger = logging.getLogger("xero_sandbox")


def _encode(value: Any) -> dict:
    if isinstance(value, Decimal):
        return {"__decimal__": str(value)}
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    if isinstance(value, set):
        return {"__set__": sorted(value)}
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode()}
    raise TypeError(type(value).__name__)


def _decode(value: dict) -> Any:
    if "__decimal__" in value:
        return Decimal(value["__decimal__"])
    if "__datetime__" in value:
        return datetime.fromisoformat(value["__datetime__"])
    if "__date__" in value:
        return date.fromisoformat(value["__date__"])
    if "__set__" in value:
        return set(value["__set__"])
    if "__bytes__" in value:
        return base64.b64decode(value["__bytes__"])
    return value


PERSISTED = ("orgs", "clients", "users", "grants", "connections", "refresh_tokens", "codes", "idempotency")


class Store:
    def __init__(self, data_dir: Path | None, flush_interval_s: float = 0.5):
        self.lock = threading.RLock()
        self.data_dir = data_dir
        self.flush_interval_s = flush_interval_s
        self.orgs: dict[str, dict] = {}
        self.clients: dict[str, dict] = {}
        self.users: dict[str, dict] = {}
        self.grants: dict[str, dict] = {}
        self.connections: dict[str, dict] = {}
        self.refresh_tokens: dict[str, dict] = {}
        self.codes: dict[str, dict] = {}
        # "<client_id>\n<key>" -> the first answer (or a pending marker while it is being made)
        self.idempotency: dict[str, dict] = {}
        # Every recorded (request, response) pair, when the config asks for it (contract tests).
        self.traffic: list[dict] = []
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None

    @property
    def path(self) -> Path | None:
        return self.data_dir / "state.json" if self.data_dir else None

    def load(self) -> bool:
        """Read the saved state; False when there is none (a fresh data folder gets the seed).

        An unreadable file is kept aside, not overwritten, and the sandbox starts afresh."""
        if self.path is None or not self.path.exists():
            return False
        try:
            data = json.loads(self.path.read_text(), object_hook=_decode)
        except (ValueError, OSError) as exc:
            aside = self.path.with_name(f"state.unreadable-{int(time.time())}.json")
            os.replace(self.path, aside)
            logger.warning("The sandbox state in %s could not be read (%s); kept as %s, starting afresh",
                           self.path, exc, aside.name)
            return False
        for name in PERSISTED:
            setattr(self, name, data.get(name, {}))
        return True

    def save(self) -> None:
        if self.path is None:
            return
        with self.lock:
            state = {name: getattr(self, name) for name in PERSISTED}
            state["idempotency"] = {k: v for k, v in self.idempotency.items() if not v.get("pending")}
            text = json.dumps(state, default=_encode)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text)
        os.replace(tmp, self.path)

    def changed(self) -> None:
        self._dirty.set()

    def start_flusher(self) -> None:
        if self.path is None or self._flusher is not None:
            return

        def flush() -> None:
            while not self._stop.is_set():
                if self._dirty.wait(self.flush_interval_s):
                    self._dirty.clear()
                    try:
                        self.save()
                    except OSError:
                        logger.exception("The sandbox state could not be saved; retrying on the next change")
                        self._dirty.set()
                        self._stop.wait(self.flush_interval_s)

        self._flusher = threading.Thread(target=flush, name="xero-sandbox-flush", daemon=True)
        self._flusher.start()

    def close(self) -> None:
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join(timeout=5)
            self._flusher = None
        self.save()

    def org(self, tenant_id: str) -> dict | None:
        return self.orgs.get(tenant_id)
