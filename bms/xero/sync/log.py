"""What a sync reports as it goes: per-record errors with a cause (so the job log can group them)
and a `ref` naming the record to send again ("invoice:42", see `record_ref`), warnings, progress.
A background job passes its JobContext; commands and tests use CollectingLog."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bms.core.text import counted_phrase


class SyncLog(Protocol):
    def info(self, message: str, *, record: str = "", cause: str = "") -> None: ...

    def warning(self, message: str, *, record: str = "", cause: str = "", ref: str = "") -> None: ...

    def error(self, message: str, *, record: str = "", cause: str = "", ref: str = "") -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def set_total(self, total: int) -> None: ...


def record_ref(kind: str, pk: int) -> str:
    """How a failed or held record is named for "Re-send failed records": the push kind and its id."""
    return f"{kind}:{pk}"


@dataclass
class CollectingLog:
    lines: list[tuple[str, str, str, str]] = field(default_factory=list)  # (level, record, cause, message)
    done: int = 0
    total: int = 0

    def info(self, message: str, *, record: str = "", cause: str = "") -> None:
        self.lines.append(("info", record, cause, message))

    def warning(self, message: str, *, record: str = "", cause: str = "", ref: str = "") -> None:
        self.lines.append(("warning", record, cause, message))

    def error(self, message: str, *, record: str = "", cause: str = "", ref: str = "") -> None:
        self.lines.append(("error", record, cause, message))

    def advance(self, n: int = 1) -> None:
        self.done += n

    def set_total(self, total: int) -> None:
        self.total = total

    def errors(self) -> list[tuple[str, str]]:
        return [(record, message) for level, record, _, message in self.lines if level == "error"]


@dataclass
class SyncOutcome:
    """What one sync did, whatever its kind: a push counts records created, updated, linked, failed
    and waiting; a pull or a read adds its own counts by name ("payments recorded")."""

    created: int = 0
    updated: int = 0
    linked: int = 0
    failed: int = 0
    parked: int = 0
    before_go_live: int = 0  # dated before the entity's go-live date: history, never sent
    counts: dict[str, int] = field(default_factory=dict)
    has_more: bool = False  # a push limited to a chunk left records for the next run
    nothing: str = "nothing to send"  # the summary when nothing was done (a pull says what it found)

    @property
    def is_empty(self) -> bool:
        return not (self.created or self.updated or self.linked or self.failed or self.parked or self.counts
                    or self.before_go_live)

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def summary(self) -> str:
        if self.is_empty:
            return self.nothing
        if self.counts:
            parts = [counted_phrase(n, what) for what, n in self.counts.items()]
            parts += [f"{self.failed} failed"] if self.failed else []
        else:
            parts = [f"{self.created} created", f"{self.updated} updated", f"{self.linked} linked to existing",
                     f"{self.failed} failed"]
        parts += [f"{self.before_go_live} before go-live (not sent)"] if self.before_go_live else []
        return ", ".join(parts) + (f", {self.parked} waiting" if self.parked else "")
