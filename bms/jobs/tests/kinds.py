"""Job kinds used by the jobs tests (registered on import, see conftest.py)."""

from datetime import datetime

from bms.jobs.registry import job_kind
from bms.jobs.services import JobWaitError

CALLS: list[dict] = []


@job_kind("tests.record")
def record(ctx, *, items: int = 3, fail_items: tuple = (), warn_items: tuple = (), explode: bool = False) -> None:
    CALLS.append({"items": items})
    ctx.set_total(items)
    for item in range(items):
        if item in fail_items:
            ctx.error(f"Invoice {item} refused: account 41110 is archived", record=f"Invoice {item}",
                      cause="archived account 41110")
        if item in warn_items:
            ctx.warning(f"Invoice {item} has no email", record=f"Invoice {item}")
        ctx.advance()
    if explode:
        raise RuntimeError("the ledger caught fire")


@job_kind("tests.wait")
def wait(ctx, *, until: str) -> None:
    raise JobWaitError("Xero's daily limit for Acme is used up", eta=datetime.fromisoformat(until))
