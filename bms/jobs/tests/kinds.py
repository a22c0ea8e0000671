"""Job kinds used by the jobs tests (registered on import)."""

from bms.jobs.registry import job_kind

CALLS: list[dict] = []


@job_kind("tests.record")
def record(ctx, *, items: int = 3, fail_items: tuple = (), explode: bool = False) -> None:
    CALLS.append({"items": items})
    ctx.set_total(items)
    for item in range(items):
        if item in fail_items:
            ctx.error(f"record {item} refused: archived account 41110", record=f"Invoice {item}",
                      cause="archived account 41110")
        ctx.advance()
    if explode:
        raise RuntimeError("the ledger caught fire")
