"""What a pre-send check says about a record (sync/push.py's `PushKind.check`), and where its cause
is fixed. Shared by the push, which acts on a verdict, and Check against Xero, which only reports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bms.xero.models import XeroTenant


@dataclass(frozen=True)
class Fix:
    """Where a user fixes the cause of a held record: a BMS screen (Account Settings, the customer's
    Xero panel…). Check against Xero and the reconciliation show it as a button beside the cause."""

    label: str  # the button: "Open Account Settings"
    url: str
    permission: str = ""  # the access rule of that screen, when not everyone signed in has it


@dataclass(frozen=True)
class Verdict:
    """What the pre-send check says about a record that will not be sent now.

    fail: Xero would refuse it; the link fails with `message` (grouped by `cause`).
    wait: it depends on something still on its way; it goes with a later push (not a failure).
    done: there is nothing for Xero to hold; the link is settled as synced without a call.
    skip: not for Xero at all (dated before the entity's go-live date): the link says so, once; no
          call and not a failure — history stays in BMS.
    `fix`, when BMS has a screen that fixes the cause, is offered beside it (None: fixed in Xero)."""

    action: str  # "fail" | "wait" | "done" | "skip"
    message: str
    cause: str = ""
    fix: Fix | None = None

    @classmethod
    def fail(cls, message: str, cause: str, *, fix: Fix | None = None) -> Verdict:
        return cls("fail", message, cause, fix)

    @classmethod
    def wait(cls, message: str, cause: str, *, fix: Fix | None = None) -> Verdict:
        return cls("wait", message, cause, fix)

    @classmethod
    def done(cls, message: str) -> Verdict:
        return cls("done", message)

    @classmethod
    def skip(cls, message: str, cause: str) -> Verdict:
        return cls("skip", message, cause)


def lock_date_verdict(tenant: XeroTenant, dated: date, *, then: str) -> Verdict | None:
    """Xero accepts nothing dated on or before the organisation's lock date (read with the
    organisation); `then` says what to do once it has moved ("sync again", "press Push now")."""
    lock_date = tenant.lock_date
    if lock_date is None or dated > lock_date:
        return None
    return Verdict.fail(
        f"Blocked by lock date {lock_date:%d/%m/%Y}: Xero accepts nothing dated on or before it. Ask your "
        f"adviser to move the lock date in Xero, then {then}.", f"blocked by lock date {lock_date:%d/%m/%Y}")


@dataclass(frozen=True)
class Refusal:
    """A look-up that found something the record cannot be linked to (e.g. two matching contacts)."""

    message: str
