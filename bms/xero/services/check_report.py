"""Check against Xero's report: the findings of a push preview (sync/dry_run.py), counted per record
kind and grouped by cause, each cause with its fix. Kept as JSON for the screen; printed by
`bms sync … --dry-run`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.urls import reverse

from bms.core.text import counted
from bms.xero.sync.dry_run import Finding, Outcome

SAMPLE_SIZE = 20  # records listed under a cause; the count says how many there are in all
KIND_WORDS = {"contact": ("customer", "customers"), "invoice": ("invoice", "invoices"),
              "credit_note": ("credit note", "credit notes"), "journal": ("journal", "journals")}
RECORD_PAGES = {"contact": "billing:customer_detail", "invoice": "billing:invoice_detail",
                "credit_note": "billing:credit_note_detail", "journal": "cogs:journal_detail"}
# How each outcome reads on the screen and in the command's report.
OUTCOME_WORDS = {
    Outcome.SEND: "would be sent", Outcome.LINK: "would be linked to what Xero has",
    Outcome.FOUND: "already in Xero (an earlier send landed)", Outcome.HOLD: "would be held",
    Outcome.WAIT: "would wait", Outcome.NOTHING: "nothing to send", Outcome.HISTORY: "before go-live — not sent",
}


def record_url(kind: str, record_id: int) -> str:
    return reverse(RECORD_PAGES[kind], args=[record_id]) if kind in RECORD_PAGES else ""


def kind_words(kind: str, count: int) -> str:
    singular, plural = KIND_WORDS.get(kind, (kind, kind + "s"))
    return f"{count} {singular if count == 1 else plural}"


@dataclass
class KindCounts:
    kind: str
    counts: dict[str, int] = field(default_factory=dict)  # outcome → records

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        # In OUTCOME_WORDS' order, not the order the records happened to be checked in (the database's).
        return [f"{self.counts[outcome]} {words}" for outcome, words in OUTCOME_WORDS.items()
                if self.counts.get(outcome)]


@dataclass
class CauseGroup:
    """Records held (or waiting) for one cause: how many of each kind, what to do, where to fix it."""

    cause: str
    outcome: str
    message: str  # the first record's message: what it says and what to do
    fix_label: str = ""
    fix_url: str = ""
    fix_permission: str = ""  # who may open the fix's screen ("" everyone signed in)
    counts: dict[str, int] = field(default_factory=dict)  # kind → records
    records: list[dict[str, str]] = field(default_factory=list)  # {"label", "url"}, at most SAMPLE_SIZE

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def counts_text(self) -> str:
        return ", ".join(kind_words(kind, n) for kind, n in self.counts.items())


@dataclass
class CheckReport:
    organisation: str
    scope: str  # the entities checked
    checked_at: str  # ISO 8601, UTC
    kinds: list[KindCounts] = field(default_factory=list)
    causes: list[CauseGroup] = field(default_factory=list)

    def count(self, *outcomes: Outcome) -> int:
        return sum(n for kind in self.kinds for outcome, n in kind.counts.items() if outcome in outcomes)

    @property
    def held(self) -> int:
        return self.count(Outcome.HOLD)

    def summary(self) -> str:
        checked = sum(kind.total for kind in self.kinds)
        if not checked:
            return "nothing to send"
        ready = self.count(Outcome.SEND, Outcome.LINK, Outcome.FOUND)
        text = (f"{counted(checked, 'record')} checked: {ready} ready, {self.held} would be held, "
                f"{self.count(Outcome.WAIT)} would wait")
        history = self.count(Outcome.HISTORY)
        return text + (f", {history} before go-live (not sent)" if history else "")

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckReport:
        return cls(organisation=data["organisation"], scope=data["scope"], checked_at=data["checked_at"],
                   kinds=[KindCounts(**kind) for kind in data.get("kinds", [])],
                   causes=[CauseGroup(**group) for group in data.get("causes", [])])


def report_build(*, organisation: str, scope: str, checked_at: str, findings: list[Finding]) -> CheckReport:
    """Count the findings per kind and group those not sent by cause, largest group first."""
    kinds: dict[str, KindCounts] = {}
    groups: dict[tuple[str, str], CauseGroup] = {}
    for finding in findings:
        counts = kinds.setdefault(finding.kind, KindCounts(kind=finding.kind)).counts
        counts[finding.outcome.value] = counts.get(finding.outcome.value, 0) + 1
        if finding.outcome not in (Outcome.HOLD, Outcome.WAIT):
            continue
        cause = finding.cause or finding.message
        group = groups.setdefault((finding.outcome.value, cause), CauseGroup(
            cause=cause, outcome=finding.outcome.value, message=finding.message,
            fix_label=finding.fix.label if finding.fix else "", fix_url=finding.fix.url if finding.fix else "",
            fix_permission=finding.fix.permission if finding.fix else ""))
        group.counts[finding.kind] = group.counts.get(finding.kind, 0) + 1
        if len(group.records) < SAMPLE_SIZE:
            group.records.append({"label": finding.record, "url": record_url(finding.kind, finding.record_id)})
    ordered = sorted(groups.values(), key=lambda g: (g.outcome != Outcome.HOLD, -g.total, g.cause))
    return CheckReport(organisation=organisation, scope=scope, checked_at=checked_at,
                       kinds=list(kinds.values()), causes=ordered)


def report_lines(report: CheckReport) -> list[str]:
    """The report as `bms sync … --dry-run` prints it: counts per kind, then each cause with its
    records, what to do and where (the fix's page, or "in Xero")."""
    lines = [f"Check against Xero — {report.organisation} ({report.scope}): {report.summary()}"]
    lines += [f"  {kind_words(kind.kind, kind.total)}: {', '.join(kind.lines())}" for kind in report.kinds]
    for group in report.causes:
        verb = "held" if group.outcome == Outcome.HOLD else "waiting"
        lines.append(f"  {verb} — {group.cause} ({group.counts_text}):")
        lines.append(f"    {group.message}")
        lines.append(f"    Fix: {group.fix_label} ({group.fix_url})" if group.fix_url else "    Fix: in Xero")
        shown = ", ".join(record["label"] for record in group.records)
        lines.append(f"    {shown}" + (f" and {group.total - len(group.records)} more" if group.total > len(
            group.records) else ""))
    return lines
