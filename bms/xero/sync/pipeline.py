"""Several batch calls to one tenant in flight at once, within its concurrent-call limit.

A sequential push spends most of its time waiting for Xero's answers; Xero allows 5 calls in flight
per tenant, so a long push keeps up to `width` batches going, with as many more queued behind them
so a free slot never waits for the calling thread. Only the HTTP call runs on a worker thread: the
intent (before) and the outcome (after) are committed on the calling thread, in the order the
batches were sent, so the exactly-once protocol and its transactions are unchanged, and no worker
thread ever opens a database connection (a token Xero expired early is refreshed there too).

A batch whose call fails in a way that needs the whole run to pause (a 429 with a long wait, an
auth failure) does not cut the others short: those in flight are settled first (those still queued
are not sent, and wait with their keys), then the first such error is raised to the run, which
decides what happens next (retry later, park).

`ReadAhead` and `at_once` do the same for reads that do not depend on each other (the chart's
accounts and tax rates, a contact look-up's chunks, the organisation while the contacts are looked
up): sent together, answered in the order asked. Xero's answers take 0.5–2 s each; reads one after
the other were most of a small push's time.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, InvalidStateError, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from types import TracebackType
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import Model

from bms.xero.client.api import TOKEN_FRESH_S, XeroAccountingClient
from bms.xero.client.attempts import Attempt
from bms.xero.client.errors import RetryableError, XeroError

# A batch's settle step: it receives a zero-argument callable that returns the call's result (a list of
# the kind's Xero elements) or raises its error.
Settle = Callable[[Callable[[], Any]], None]
T = TypeVar("T")
REFRESH_WAIT_S = 120.0  # how long a worker waits for the calling thread to refresh an expired token


class _SharedToken:
    """The bearer token the worker threads use, re-read by the calling thread every TOKEN_FRESH_S (not
    for every batch: each read is a database query and a decryption).

    A worker whose token Xero refused as expired (401 TokenExpired) asks the calling thread for a
    fresh one and waits: a refresh reads and writes the grant row (through its refresh lock), which a
    worker thread never touches. The calling thread refreshes in its next wait (`serve`), once for
    every worker that asked about the same token; the workers then send their calls again, once."""

    def __init__(self, client: XeroAccountingClient):
        self._client = client
        self._token = client.token()
        self._read_at = time.monotonic()
        self._changed = threading.Condition()
        self._failed: XeroError | None = None
        self.asked: Future[str] = Future()  # done when a worker asks: the token Xero refused

    def twin(self, on_attempt: Callable[[Attempt], None]) -> XeroAccountingClient:
        return self._client.detached(token_source=self.get, on_attempt=on_attempt, token_expired=self.expired)

    def refresh_if_stale(self) -> None:
        if time.monotonic() - self._read_at >= TOKEN_FRESH_S:
            self._token, self._read_at = self._client.token(), time.monotonic()

    def get(self) -> str:
        return self._token  # one reference read: atomic, no lock needed

    def expired(self, token: str) -> None:
        """On a worker thread: Xero refused `token` as expired. Returns once a fresh token is shared
        (at once if it already is), or raises what the refresh raised."""
        with self._changed:
            if self._token == token:
                with suppress(InvalidStateError):  # another worker asked first
                    self.asked.set_result(token)
                self._changed.wait_for(lambda: self._token != token or self._failed is not None,
                                       timeout=REFRESH_WAIT_S)
            if self._failed is not None:
                raise self._failed

    def serve(self) -> None:
        """On the calling thread: the refresh a worker asked for, if one did."""
        if not self.asked.done():
            return
        token, failed = self.asked.result(), None
        try:
            self._client.refresh_after_expiry(token)
            fresh = self._client.token()
        except XeroError as exc:  # (invalid_grant: the grant needs re-authentication)
            fresh, failed = token, exc
        with self._changed:
            self._token, self._read_at, self._failed = fresh, time.monotonic(), failed
            self.asked = Future()
            self._changed.notify_all()

    def wait(self, futures: Sequence[Future[Any]]) -> None:
        """On the calling thread: until every one of `futures` is done, serving the workers' refreshes
        and keeping the token fresh meanwhile."""
        pending = [future for future in futures if not future.done()]
        while pending:
            wait([*pending, self.asked], timeout=TOKEN_FRESH_S, return_when=FIRST_COMPLETED)
            self.serve()
            self.refresh_if_stale()
            pending = [future for future in pending if not future.done()]


class BatchPipeline:
    """    with BatchPipeline(client) as pipeline:
            pipeline.send(lambda c: c.create_invoices(...), settle)   # settle(call) runs here, later

    `settle` receives a zero-argument callable that returns the call's result or raises its error,
    so it can be handed to `send_batch` as its `call`."""

    def __init__(self, client: XeroAccountingClient, *, width: int | None = None):
        self._client = client
        self._width = max(1, width if width is not None else settings.XERO_PUSH_IN_FLIGHT)
        self._pool = ThreadPoolExecutor(self._width, thread_name_prefix="xero-batch") if self._width > 1 else None
        self._token = _SharedToken(client) if self._pool else None
        self._in_flight: deque[tuple[Future[Any], Settle, list[Attempt]]] = deque()
        self._deferred: BaseException | None = None

    def __enter__(self) -> BatchPipeline:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                self.drain()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
        if exc_type is None and self._deferred is not None:
            raise self._deferred

    def send(self, call: Callable[[XeroAccountingClient], Any], settle: Settle) -> None:
        """Hand the batch to the workers: `width` of them, so at most `width` calls in flight, and up
        to `width` more batches queued behind them, each sent the moment a call before it is
        answered, by the worker that is then free: the calling thread (settling the answers in,
        checking and preparing the next batches) is never between an answer and the next call."""
        if self._pool is None or self._token is None:  # (both or neither)
            self._settle(settle, lambda: call(self._client))
            return
        while self._deferred is None and len(self._in_flight) >= 2 * self._width:
            self._wait(self._in_flight[0][0])
            self._settle_first()
        if self._deferred is not None:
            self._settle(settle, _not_sent)  # its intent is committed: back to waiting, same key
            self.drain()
            raise self._deferred  # the run pauses: send nothing more
        attempts: list[Attempt] = []
        self._in_flight.append((self._pool.submit(call, self._token.twin(attempts.append)), settle, attempts))
        while self._in_flight and self._in_flight[0][0].done():
            self._settle_first()

    def drain(self) -> None:
        while self._in_flight:
            self._wait(self._in_flight[0][0])
            self._settle_first()

    def _wait(self, future: Future[Any]) -> None:
        if self._token is not None:
            self._token.wait([future])

    def _settle_first(self) -> None:
        # Settle in the order sent: the log and the links read the same as a sequential run.
        future, settle, attempts = self._in_flight.popleft()
        for attempt in attempts:
            self._client.record_attempt(attempt)
        self._settle(settle, _not_sent if future.cancelled() else future.result)

    def _settle(self, settle: Settle, outcome: Callable[[], Any]) -> None:
        try:
            settle(outcome)
        except Exception as exc:
            # The run must pause, but batches already sent are settled first; those still queued
            # are not sent at all.
            if self._deferred is None:
                self._deferred = exc
                for future, _, _ in self._in_flight:
                    future.cancel()  # (only those no worker has started)
            if self._pool is None:
                raise


def _not_sent() -> Any:
    raise RetryableError("not sent: the push paused after an earlier batch's failure")


class ReadAhead(Generic[T]):
    """Reads started now whose answers are needed later (the organisation, while the contacts are
    looked up). Each runs on a worker thread with a detached twin of `client`, through the same
    limiter as every call; `result()` waits for them, records their attempts on the calling thread
    and returns the answers in the order asked, or raises the first error (in that order)."""

    def __init__(self, client: XeroAccountingClient, calls: Sequence[Callable[[XeroAccountingClient], T]], *,
                 width: int | None = None):
        self._client = client
        width = min(len(calls), max(1, width if width is not None else settings.XERO_PUSH_IN_FLIGHT))
        self._token = _SharedToken(client)
        self._attempts: list[list[Attempt]] = [[] for _ in calls]
        self._pool = ThreadPoolExecutor(max(1, width), thread_name_prefix="xero-read")
        self._futures = [self._pool.submit(call, self._token.twin(self._attempts[n].append))
                         for n, call in enumerate(calls)]
        self._done = False

    def result(self) -> list[T]:
        if not self._done:
            self._token.wait(self._futures)
            self._pool.shutdown()
            self._done = True
            for made in self._attempts:
                for attempt in made:
                    self._client.record_attempt(attempt)
        return [future.result() for future in self._futures]


def at_once(client: XeroAccountingClient, calls: Sequence[Callable[[XeroAccountingClient], T]], *,
            width: int | None = None) -> list[T]:
    """Independent calls sent together, up to `width` in flight (XERO_PUSH_IN_FLIGHT); their results
    in the order of `calls` (see ReadAhead)."""
    if len(calls) <= 1 or (width if width is not None else settings.XERO_PUSH_IN_FLIGHT) <= 1:
        return [call(client) for call in calls]
    return ReadAhead(client, calls, width=width).result()


_before_checks: ContextVar[list[Callable[[], object]] | None] = ContextVar("xero_before_checks", default=None)


@contextmanager
def needed_before_checks(join: Callable[[], object]) -> Iterator[None]:
    """While the body runs, `join` (waiting for a ReadAhead and keeping what it read) runs once: when
    a push is about to check its records (`checks_may_start`), or at the end of the body."""
    pending = [join]
    token = _before_checks.set(pending)
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        _before_checks.reset(token)
        if pending:
            try:
                pending.pop()()
            except Exception:
                if not failed:  # the body's own error is the one to report
                    raise


def checks_may_start(tenant: Model) -> None:
    """A push's records are about to be checked: what the checks read (the organisation's lock dates,
    its tracking categories) must be in place, and `tenant` (the caller's copy) up to date."""
    pending = _before_checks.get()
    if not pending:
        return
    while pending:
        pending.pop()()
    tenant.refresh_from_db()
