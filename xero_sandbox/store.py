"""The sandbox's data: organisations (with their accounts, tax rates, contacts, invoices, payments
and manual journals), OAuth clients, users, grants and connections.

Held in memory under one lock, so a request's writes are all-or-nothing, and saved to a JSON file
in the data folder (Decimals and dates tagged) shortly after each change and on shutdown.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any


def _encode(value: Any):
    if isinstance(value, Decimal):
        return {"__decimal__": str(value)}
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    if isinstance(value, set):
        return {"__set__": sorted(value)}
    raise TypeError(type(value).__name__)


def _decode(value: dict):
    if "__decimal__" in value:
        return Decimal(value["__decimal__"])
    if "__datetime__" in value:
        return datetime.fromisoformat(value["__datetime__"])
    if "__date__" in value:
        return date.fromisoformat(value["__date__"])
    if "__set__" in value:
        return set(value["__set__"])
    return value


PERSISTED = ("orgs", "clients", "users", "grants", "connections", "refresh_tokens")


class Store:
    def __init__(self, data_dir: Path | None):
        self.lock = threading.RLock()
        self.data_dir = data_dir
        self.orgs: dict[str, dict] = {}
        self.clients: dict[str, dict] = {}
        self.users: dict[str, dict] = {}
        self.grants: dict[str, dict] = {}
        self.connections: dict[str, dict] = {}
        self.refresh_tokens: dict[str, dict] = {}
        self.codes: dict[str, dict] = {}
        self.idempotency: dict[tuple[str, str], dict] = {}
        self.log: list[dict] = []
        self.traffic: list[dict] = []
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None

    @property
    def path(self) -> Path | None:
        return self.data_dir / "state.json" if self.data_dir else None

    def load(self) -> bool:
        if self.path is None or not self.path.exists():
            return False
        data = json.loads(self.path.read_text(), object_hook=_decode)
        for name in PERSISTED:
            setattr(self, name, data.get(name, {}))
        return True

    def save(self) -> None:
        if self.path is None:
            return
        with self.lock:
            text = json.dumps({name: getattr(self, name) for name in PERSISTED}, default=_encode)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(text)
        os.replace(tmp, self.path)

    def changed(self) -> None:
        self._dirty.set()

    def start_flusher(self) -> None:
        if self.path is None or self._flusher is not None:
            return

        def flush() -> None:
            while not self._stop.is_set():
                if self._dirty.wait(0.5):
                    self._dirty.clear()
                    self.save()

        self._flusher = threading.Thread(target=flush, name="sandbox-flush", daemon=True)
        self._flusher.start()

    def close(self) -> None:
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join(timeout=5)
        self.save()

    def org(self, tenant_id: str) -> dict | None:
        return self.orgs.get(tenant_id)
