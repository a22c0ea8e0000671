"""Job kinds: the name a Job row carries → the function that does the work.

Apps declare their kinds, and the schedules that run them, in a `job_kinds.py` module
(autodiscovered when the jobs app is ready):

    @job_kind("xero.invoices.push")
    def push_invoices(ctx: JobContext, *, tenant_id: int) -> None: ...

    @schedule_provider
    def xero_schedules() -> None:
        schedule_upsert(key="xero.push_all", kind="xero.push_all", description="Push invoices to Xero",
                        every_minutes=15)

and, for `bms status`, the lines an operator should see about their part:

    @status_provider
    def xero_status_lines() -> Iterator[str]:
        yield "Parked Xero organisations: none"
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

H = TypeVar("H", bound=Callable[..., Any])

_HANDLERS: dict[str, Callable] = {}


class UnknownJobKindError(KeyError):
    pass


def job_kind(name: str) -> Callable[[H], H]:
    def register(handler: H) -> H:
        if name in _HANDLERS and _HANDLERS[name] is not handler:
            raise ValueError(f"job kind {name!r} is registered twice")
        _HANDLERS[name] = handler
        return handler

    return register


def handler_for(name: str) -> Callable:
    try:
        return _HANDLERS[name]
    except KeyError:
        raise UnknownJobKindError(name) from None


def is_registered(name: str) -> bool:
    return name in _HANDLERS


def registered_kinds() -> list[str]:
    return sorted(_HANDLERS)


_SCHEDULE_PROVIDERS: list[Callable[[], None]] = []


def schedule_provider(function: Callable[[], None]) -> Callable[[], None]:
    """Register a function that creates, updates or removes an app's schedules.

    Providers run when a scheduler starts and before every tick (see `schedules_ensure`), so a
    changed setting (an interval, a nightly time) takes effect within a minute. They must therefore
    be idempotent and cheap: `schedule_upsert` writes nothing when nothing changed.
    """
    _SCHEDULE_PROVIDERS.append(function)
    return function


def schedule_providers() -> list[Callable[[], None]]:
    return list(_SCHEDULE_PROVIDERS)


@dataclass(frozen=True)
class Resend:
    """The job that sends a finished job's failed records again: what a resender returns."""

    kind: str
    description: str
    params: dict[str, Any]


Resender = Callable[[dict[str, Any], list[str]], Resend]
_RESENDERS: dict[str, Resender] = {}


def job_resender(*kinds: str) -> Callable[[Resender], Resender]:
    """Register how a job kind's failed records are sent again: `resender(params, refs)` gets the
    finished job's params and the `ref`s its log gave those records ("invoice:42"), and returns the
    job that sends exactly them."""

    def register(function: Resender) -> Resender:
        for kind in kinds:
            _RESENDERS[kind] = function
        return function

    return register


def resender_for(kind: str) -> Resender | None:
    return _RESENDERS.get(kind)


StatusProvider = Callable[[], Iterable[str]]
_STATUS_PROVIDERS: list[StatusProvider] = []


def status_provider(function: StatusProvider) -> StatusProvider:
    """Register a function whose lines `bms status` prints after the background jobs, in the order
    the apps registered them. Read-only, and each line as the operator should read it (a section
    heading flush left, its rows indented by two spaces)."""
    if function not in _STATUS_PROVIDERS:
        _STATUS_PROVIDERS.append(function)
    return function


def status_providers() -> list[StatusProvider]:
    return list(_STATUS_PROVIDERS)
