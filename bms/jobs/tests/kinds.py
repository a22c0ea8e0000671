"""Job kinds used by the jobs tests (registered on import, see conftest.py)."""

from datetime import datetime

from bms.core.errors import DomainError
from bms.jobs.registry import Resend, job_kind, job_resender
from bms.jobs.services import JobWaitError

CALLS: list[dict] = []


@job_kind("tests.record")
def record(ctx, *, items: int = 3, fail_items: tuple = (), warn_items: tuple = (), hold_items: tuple = (),
           other_cause_items: tuple = (), only: list | None = None, explode: bool = False, refuse: str = "") -> None:
    CALLS.append({"items": items, "only": only})
    ctx.set_total(items)
    for item in range(items):
        if only is not None and item not in only:
            continue
        if item in fail_items:
            ctx.error(f"Invoice {item} refused: account 41110 is archived", record=f"Invoice {item}",
                      cause="archived account 41110", ref=f"invoice:{item}")
        if item in other_cause_items:
            ctx.error(f"Invoice {item} refused: no email", record=f"Invoice {item}", cause="no email",
                      ref=f"invoice:{item}")
        if item in hold_items:
            ctx.warning(f"Held: invoice {item}'s contact is archived", record=f"Invoice {item}",
                        cause="contact archived", ref=f"invoice:{item}")
        if item in warn_items:
            ctx.warning(f"Invoice {item} has no email", record=f"Invoice {item}")
        ctx.advance()
    if refuse:
        raise DomainError(refuse)
    if explode:
        raise RuntimeError("the ledger caught fire")


@job_resender("tests.record")
def resend(params: dict, refs: list[str]) -> Resend:
    # Sends only the named items again; they succeed this time (the test fixed their cause).
    only = sorted(int(ref.partition(":")[2]) for ref in refs)
    return Resend(kind="tests.record", description=f"Re-send {len(only)}",
                  params={"items": params.get("items", 3), "only": only})


@job_kind("tests.wait")
def wait(ctx, *, until: str, time_zone: str | None = None) -> None:
    raise JobWaitError("Xero's daily limit for Acme is used up", eta=datetime.fromisoformat(until),
                       time_zone=time_zone)
