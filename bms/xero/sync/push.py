"""The one push engine: BMS records → Xero, exactly once, for every record kind.

A record kind (contacts, invoices, journals, and whatever comes next) is a small `PushKind`
adapter: which link model holds its sync state, how its payload is built, what is checked before
sending, how a record whose create may have landed is looked up, and what success does to the BMS
record. The engine does the rest, the same way for every kind (ARCHITECTURE.md, "Writing to Xero"):

1. the intent: each link goes to `sending` with a deterministic Idempotency-Key, committed;
2. the call, outside any transaction, batches of ≤ 50 kept in flight by the pipeline;
3. the outcome, per element (`summarizeErrors=false`), committed per batch.

Records are read, checked and sent a chunk at a time; a chunk's records whose earlier create may
have landed (a link left `sending` or `uncertain`) are looked up in Xero first: one found is settled
as created, one not found is sent again under a fresh key (its epoch moves on, so no cached answer
of Xero's for the old key comes back). Creates whose answer is lost during the run are looked up
again at its end, so what depends on them (an invoice on its customer's contact) goes in the same run.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from bms.xero.auth.incidents import blocking_incident, connection_refused, incident_text
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.errors import AuthError, RetryableError, UncertainError, ValidationError
from bms.xero.client.schemas import BatchElement
from bms.xero.models import LinkStatus, SyncLink, XeroTenant
from bms.xero.sync.keys import batch_key, record_key
from bms.xero.sync.link_rows import link_rows_update
from bms.xero.sync.log import SyncLog, SyncOutcome, record_ref
from bms.xero.sync.pipeline import BatchPipeline, checks_may_start

# Re-exported: adapters import them from here, with the engine.
from bms.xero.sync.verdicts import Fix as Fix
from bms.xero.sync.verdicts import Refusal as Refusal
from bms.xero.sync.verdicts import Verdict as Verdict
from bms.xero.sync.verdicts import lock_date_verdict as lock_date_verdict

BATCH_SIZE = 50  # Xero's recommended batch size for writes (xero-notes §3.2)
CHUNK_SIZE = 250  # records read, checked and sent at a time
MAYBE_LANDED = (LinkStatus.SENDING, LinkStatus.UNCERTAIN)

R = TypeVar("R", bound=models.Model)  # the BMS record
X = TypeVar("X", bound=BatchElement)  # Xero's element, with its own status in a batch answer


class PushKind(ABC, Generic[R, X]):
    """One record kind's part of the push. Subclasses set the class attributes and implement the
    abstract methods; the rest has a default that suits most kinds."""

    kind: ClassVar[str]  # in the Idempotency-Key: "contact", "invoice", "journal"
    what: ClassVar[str]  # plural, for messages: "invoices"
    link_model: ClassVar[type[SyncLink]]
    record_field: ClassVar[str]  # the link's foreign key to the record

    def __init__(self, *, tenant: XeroTenant, client: XeroAccountingClient, log: SyncLog):
        self.tenant, self.client, self.log = tenant, client, log

    @abstractmethod
    def label(self, record: R) -> str: ...

    def revision(self, record: R) -> int:
        return int(getattr(record, "revision", 0))

    def prepare(self, records: Sequence[R]) -> None:
        """Read what these records' checks and payloads need (one chunk, just before its checks)."""

    def is_current(self, link: SyncLink, record: R) -> bool:
        """Xero already holds this version: nothing to send."""
        return link.status == LinkStatus.SYNCED and link.revision_pushed >= self.revision(record)

    def needs_lookup(self, link: SyncLink) -> bool:
        """Should Xero be asked before this record is created? (After an uncertain outcome, always.)"""
        return link.status in MAYBE_LANDED and not link.xero_id

    @abstractmethod
    def lookup(self, records: list[R]) -> dict[int, X | Refusal]:
        """What Xero already holds for these records, by record pk (several per call)."""
        ...

    def check(self, record: R, link: SyncLink) -> Verdict | None:
        """THE pre-send check: may this record be sent now, and if not, why (None sends it).

        The push calls it for every record it is about to send, and Check against Xero
        (sync/dry_run.py) calls the same method with no writes, so a check added here is in both.
        Keep it free of writes (BMS or Xero): it may read Xero's reference data, once per run,
        through the adapter's client (e.g. ChartCheck). An adapter lists its checks as small
        methods in `checks()`; the first verdict wins."""
        for step in self.checks():
            verdict = step(record, link)
            if verdict is not None:
                return verdict
        return None

    def checks(self) -> Sequence[Callable[[R, SyncLink], Verdict | None]]:
        """This kind's pre-send checks, in order (cheapest and most fundamental first)."""
        return ()

    @abstractmethod
    def element(self, record: R, link: SyncLink, *, create: bool) -> X:
        ...

    @abstractmethod
    def send(self, client: XeroAccountingClient, elements: list[X], *, create: bool, key: str) -> list[X]:
        ...

    @abstractmethod
    def xero_id(self, result: X) -> str:
        ...

    def success_fields(self, record: R, link: SyncLink, result: X | None) -> dict[str, Any]:
        """Link fields besides the ones every kind sets on success."""
        return {}

    def confirm(self, records: list[R]) -> None:
        """What Xero holding these records does to them in BMS (inside the settling transaction)."""

    def failed(self, records: list[R]) -> None:
        """What a failure does to these records in BMS (inside the failing transaction)."""

    def linked_text(self, match: X) -> str:
        """The log line when a record is linked to one Xero already had (not created by BMS)."""
        return "Linked to the record Xero already has."

    def refusal_text(self, message: str) -> str:
        """The link's message when Xero refused the record."""
        return f"Xero: {message}"


@dataclass
class _Item(Generic[R]):
    record: R
    link: SyncLink


class PushRun(Generic[R, X]):
    """One push of one kind's records to one tenant."""

    def __init__(self, adapter: PushKind[R, X], outcome: SyncOutcome):
        self.adapter, self.outcome, self.log = adapter, outcome, adapter.log
        self.model = adapter.link_model

    def run(self, records: Sequence[R]) -> SyncOutcome:
        if self._held_back(records):
            return self.outcome
        creates: list[_Item[R]] = []
        updates: list[_Item[R]] = []
        # The first batch leaves after fifty checks, not after every record's; the next chunks are read
        # and checked while the first batches are in flight (Xero's answers take 0.5–2 s).
        with BatchPipeline(self.adapter.client) as pipeline:
            for start in range(0, len(records), CHUNK_SIZE):
                for item in self._to_send(records[start:start + CHUNK_SIZE]):
                    group, create = (updates, False) if item.link.xero_id else (creates, True)
                    group.append(item)
                    if len(group) % BATCH_SIZE == 0:
                        self._send(pipeline, group[-BATCH_SIZE:], create=create)
            for group, create in ((creates, True), (updates, False)):
                if len(group) % BATCH_SIZE:
                    self._send(pipeline, group[len(group) - len(group) % BATCH_SIZE:], create=create)
        self._settle_unanswered(creates)
        return self.outcome

    def _to_send(self, records: Sequence[R]) -> Iterator[_Item[R]]:
        """The records of one chunk that need a call, each checked as it is reached."""
        self.adapter.prepare(records)
        links = self._links_for(records)
        todo: list[_Item[R]] = []
        for record in records:
            link = links[record.pk]
            if link.status == LinkStatus.PARKED:
                self.outcome.parked += 1
            elif not self.adapter.is_current(link, record):
                todo.append(_Item(record, link))
        found = self._lookup([item for item in todo if self.adapter.needs_lookup(item.link)])
        checks_may_start(self.adapter.tenant)  # the organisation, read alongside the look-ups, is needed now
        for item in todo:
            if self._settled_before_sending(item, found.get(item.record.pk)):
                self.log.advance()
                continue
            if item.link.status == LinkStatus.FAILED or (item.link.status in MAYBE_LANDED and not item.link.xero_id):
                # Refused before, or looked up and not found: a fresh key, so Xero cannot answer
                # from what it cached for the old one (xero-notes trap 18).
                item.link.key_epoch += 1
            yield item

    # --- before sending -----------------------------------------------------------------

    def _held_back(self, records: Sequence[R]) -> bool:
        """An open incident blocks this kind for this organisation (a role refusal of journals, a
        missing scope): park the records without a call that Xero would only refuse again."""
        incident = blocking_incident(self.adapter.tenant, self.model)
        if incident is None:
            return False
        waiting = [link.pk for link in self._links_for(records).values()
                   if link.status in (LinkStatus.PENDING, LinkStatus.FAILED, LinkStatus.PARKED)]
        text = incident_text(incident)
        self.model._default_manager.filter(pk__in=waiting).update(
            status=LinkStatus.PARKED, last_error=f"Waiting: {text.cause} {text.fix}", error_cause=text.title)
        self.outcome.parked += len(waiting)
        if waiting:
            self.log.error(f"{len(waiting)} {self.adapter.what} wait: {text.cause} {text.fix}", cause=text.title)
        return True

    def _links_for(self, records: Sequence[R]) -> dict[int, SyncLink]:
        # Two statements however many records; rows another worker created a moment ago are kept.
        field = self.adapter.record_field
        self.model._default_manager.bulk_create(
            [self.model(tenant=self.adapter.tenant, **{field: record}) for record in records],
            ignore_conflicts=True, batch_size=500)
        rows = self.model._default_manager.filter(
            tenant=self.adapter.tenant, **{f"{field}_id__in": [r.pk for r in records]}
        )
        return {getattr(link, f"{field}_id"): link for link in rows}

    def _lookup(self, items: list[_Item[R]]) -> dict[int, X | Refusal]:
        return self.adapter.lookup([item.record for item in items]) if items else {}

    def _settled_before_sending(self, item: _Item[R], match: X | Refusal | None) -> bool:
        """True when the record needs no call now (found in Xero, held, waiting or failed)."""
        if isinstance(match, Refusal):
            self._fail([item], match.message, match.message)
            return True
        if match is not None:
            if not self._attach(item, self.adapter.xero_id(match)):
                return True
            if item.link.status in MAYBE_LANDED:
                # Our own earlier create landed although its answer was lost.
                self._succeed([(item, match)], created=True)
                return True
            self.outcome.linked += 1
            self.log.info(self.adapter.linked_text(match), record=self.adapter.label(item.record))
        verdict = self.adapter.check(item.record, item.link)
        if verdict is None:
            return False
        if verdict.action == "done":
            self._succeed([(item, None)], created=True)
            self.log.info(verdict.message, record=self.adapter.label(item.record))
        elif verdict.action == "skip":
            self.outcome.before_go_live += 1
            if item.link.status != LinkStatus.BEFORE_GO_LIVE:  # said once, not on every run
                self.model._default_manager.filter(pk=item.link.pk).update(status=LinkStatus.BEFORE_GO_LIVE,
                                                                           last_error=verdict.message)
                self.log.info(verdict.message, record=self.adapter.label(item.record))
        elif verdict.action == "wait":
            self.outcome.parked += 1
            self.log.warning(verdict.message, record=self.adapter.label(item.record), cause=verdict.cause,
                             ref=record_ref(self.adapter.kind, item.record.pk))
        else:
            self._fail([item], verdict.message, verdict.cause)
        return True

    def _attach(self, item: _Item[R], xero_id: str) -> bool:
        """Store the Xero id on the link; False (and the link failed) when another record has it."""
        try:
            with transaction.atomic():
                self.model._default_manager.filter(pk=item.link.pk).update(xero_id=xero_id)
        except IntegrityError:
            self._fail([item], f"Xero {self.adapter.kind} {xero_id} is already linked to another BMS record.",
                       "already linked to another BMS record")
            return False
        item.link.xero_id = xero_id
        return True

    # --- the call -----------------------------------------------------------------------

    def _send(self, pipeline: BatchPipeline, batch: list[_Item[R]], *, create: bool) -> None:
        adapter = self.adapter
        for item in batch:
            item.link.idempotency_key = record_key(
                xero_tenant_id=adapter.tenant.xero_tenant_id, kind=adapter.kind, record_id=item.record.pk,
                revision=adapter.revision(item.record), epoch=item.link.key_epoch, link_id=item.link.pk,
            )
            item.link.status = LinkStatus.SENDING
            item.link.attempts += 1
        # Step 1, the intent, committed before the call.
        link_rows_update(self.model, [
            (item.link.pk, {"status": item.link.status, "idempotency_key": item.link.idempotency_key,
                            "key_epoch": item.link.key_epoch, "attempts": item.link.attempts})
            for item in batch
        ])
        elements = [adapter.element(item.record, item.link, create=create) for item in batch]
        key = batch_key([item.link.idempotency_key or "" for item in batch], operation="create" if create else "update")

        def call(client: XeroAccountingClient) -> list[X]:
            return adapter.send(client, elements, create=create, key=key)

        def settle(answer: Callable[[], list[X]]) -> None:
            results = self._call(batch, answer)
            if results is not None:
                self._settle(batch, results, create=create)

        pipeline.send(call, settle)

    def _call(self, batch: list[_Item[R]], answer: Callable[[], list[X]]) -> list[X] | None:
        """Step 2's result; None when there are none to read (the links are settled here)."""
        links = self.model._default_manager.filter(pk__in=[item.link.pk for item in batch])
        try:
            return answer()
        except UncertainError as exc:
            # It may have landed: it is looked up before anything is sent again.
            links.update(status=LinkStatus.UNCERTAIN, last_error=exc.message)
            self.log.warning(f"No answer from Xero for {len(batch)} {self.adapter.what}; they will be looked up "
                             "before any re-send.")
            return None
        except RetryableError:
            links.update(status=LinkStatus.PENDING)  # nothing landed: sent again later, same key
            raise
        except AuthError as exc:
            # Nothing landed. Back to pending, then parked by what the refusal blocks (the incident
            # the attempt recorder opened; idempotent) — a role refusal of journals parks only them.
            links.update(status=LinkStatus.PENDING)
            connection_refused(refusal=exc.refusal, tenant=self.adapter.tenant)
            raise
        except ValidationError as exc:
            # The whole request was refused (not one element): nothing landed.
            self._fail(batch, self.adapter.refusal_text(f"the request was refused: {exc.message}"), exc.message)
            return None

    # --- the outcome --------------------------------------------------------------------

    def _settle(self, batch: list[_Item[R]], results: list[X], *, create: bool) -> None:
        good: list[tuple[_Item[R], X | None]] = []
        bad: list[tuple[_Item[R], str]] = []
        for item, result in zip(batch, results, strict=True):
            if result.is_error:
                bad.append((item, "; ".join(result.error_messages) or f"Xero refused this {self.adapter.kind}"))
            else:
                good.append((item, result))
                for warning in result.warnings:
                    self.log.warning(f"Xero: {warning.message}", record=self.adapter.label(item.record))
        with transaction.atomic():  # one transaction a batch: its outcome lands whole, and fast
            self._succeed(good, created=create)
            for item, message in bad:
                self._fail([item], self.adapter.refusal_text(message), message)
        self.log.advance(len(batch))

    def _succeed(self, done: list[tuple[_Item[R], X | None]], *, created: bool) -> None:
        if not done:
            return
        now = timezone.now()
        rows = []
        for item, result in done:
            values = {
                "xero_id": self.adapter.xero_id(result) if result is not None else item.link.xero_id,
                "status": LinkStatus.SYNCED, "revision_pushed": self.adapter.revision(item.record),
                "last_pushed_at": now, "last_error": "", "error_cause": "",
                **self.adapter.success_fields(item.record, item.link, result),
            }
            rows.append((item.link.pk, values))
            item.link.status, item.link.xero_id = LinkStatus.SYNCED, values["xero_id"]
        with transaction.atomic():
            link_rows_update(self.model, rows)
            self.adapter.confirm([item.record for item, _ in done])
        if created:
            self.outcome.created += len(done)
        else:
            self.outcome.updated += len(done)

    def _fail(self, items: list[_Item[R]], message: str, cause: str) -> None:
        with transaction.atomic():
            self.model._default_manager.filter(pk__in=[item.link.pk for item in items]).update(
                status=LinkStatus.FAILED, last_error=message, error_cause=cause[:255], updated_at=timezone.now()
            )
            self.adapter.failed([item.record for item in items])
        for item in items:
            item.link.status = LinkStatus.FAILED
            self.outcome.failed += 1
            self.log.error(message, record=self.adapter.label(item.record), cause=cause[:255],
                           ref=record_ref(self.adapter.kind, item.record.pk))

    def _settle_unanswered(self, creates: list[_Item[R]]) -> None:
        """Creates whose answer was lost have usually landed: look them up now rather than a run
        later. Those not found stay uncertain (and are looked up again before any re-send)."""
        pks = [item.link.pk for item in creates]
        unanswered = set(
            self.model._default_manager.filter(pk__in=pks, status=LinkStatus.UNCERTAIN, xero_id__isnull=True)
            .values_list("pk", flat=True)
        ) if pks else set()
        items = [item for item in creates if item.link.pk in unanswered]
        if not items:
            return
        for item in items:
            item.link.status = LinkStatus.UNCERTAIN
        found = self._lookup(items)
        for item in items:
            match = found.get(item.record.pk)
            if match is not None and not isinstance(match, Refusal) and self._attach(item, self.adapter.xero_id(match)):
                self._succeed([(item, match)], created=True)
                self.log.advance()


def push(adapter: PushKind[R, X], records: Sequence[R], *, outcome: SyncOutcome | None = None) -> SyncOutcome:
    """Push `records` with `adapter`; returns what happened (created, updated, linked, failed, waiting)."""
    return PushRun(adapter, outcome or SyncOutcome()).run(records)
