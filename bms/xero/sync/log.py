"""What a sync reports as it goes: per-record errors with a cause (so the job log can group them),
warnings, progress. A background job passes its JobContext; commands and tests use CollectingLog."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class SyncLog(Protocol):
    def info(self, message: str, *, record: str = "", cause: str = "") -> None: ...

    def warning(self, message: str, *, record: str = "", cause: str = "") -> None: ...

    def error(self, message: str, *, record: str = "", cause: str = "") -> None: ...

    def advance(self, n: int = 1) -> None: ...


@dataclass
class CollectingLog:
    lines: list[tuple[str, str, str, str]] = field(default_factory=list)  # (level, record, cause, message)
    done: int = 0

    def info(self, message: str, *, record: str = "", cause: str = "") -> None:
        self.lines.append(("info", record, cause, message))

    def warning(self, message: str, *, record: str = "", cause: str = "") -> None:
        self.lines.append(("warning", record, cause, message))

    def error(self, message: str, *, record: str = "", cause: str = "") -> None:
        self.lines.append(("error", record, cause, message))

    def advance(self, n: int = 1) -> None:
        self.done += n

    def errors(self) -> list[tuple[str, str]]:
        return [(record, message) for level, record, _, message in self.lines if level == "error"]


@dataclass
class SyncOutcome:
    created: int = 0
    updated: int = 0
    linked: int = 0
    failed: int = 0
    parked: int = 0

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.linked} linked to existing, "
            f"{self.failed} failed" + (f", {self.parked} waiting" if self.parked else "")
        )
