"""Scale-out benchmark: 100 organisations × 200 invoices pushed through the sandbox by 1, 2 and 4
`bms worker` processes on PostgreSQL and Redis, with time-scaled limits on.

The limits are Xero's shape, shrunk so they bind: a "minute" of MINUTE_S seconds, PER_MINUTE calls
a minute and CONCURRENT in flight per organisation, APP_PER_MINUTE a minute for the app. The lower
bound is what those limits alone impose on the calls the run made (counted from the sandbox's
request log): the app's calls need ceil(N / APP_PER_MINUTE) - 1 minutes after the first, and each
organisation's ceil(n / PER_MINUTE) - 1. Target: makespan within 1.25 × the lower bound.

    BMS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bms_scale \\
    BMS_TEST_REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/scale_tenants.py

Ends with one JSON line per worker count: tenants, workers, makespan_s, lower_bound_s, ratio, calls.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.scale.harness import (
    drop_database,
    execute,
    forget_queue,
    manage,
    python,
    query,
    recreate_database,
    service_urls,
    sibling_database,
    start_workers,
    stop_workers,
    wait_until,
    worker_env,
)
from xero_sandbox.testing import run_sandbox

RESET = """
update billing_invoice set status = 'approved', processed_at = null;
delete from xero_invoicelink; delete from xero_contactlink; delete from xero_tenantlease;
delete from xero_xeroattempt; delete from jobs_joblogentry; delete from jobs_job;
update xero_xerotenant set organisation_read_at = null;
"""

REGRANT = """
import httpx2, json, os
from django.utils import timezone
from bms.xero.client.oauth import TokenSet
from bms.xero.models import XeroGrant
from bms.xero.auth.tokens import grant_store_tokens
tokens = TokenSet.model_validate(httpx2.post(os.environ["SANDBOX"] + "/_sandbox/grants", timeout=60,
                                             json={"tenant_ids": json.loads(os.environ["TENANT_IDS"])}).json())
grant = XeroGrant.objects.get()
grant.xero_user_id = tokens.xero_user_id
grant_store_tokens(grant=grant, tokens=tokens, now=timezone.now())
grant.save()
"""


def lower_bound(entries: list[dict], *, minute_s: float, per_minute: int, app_per_minute: int) -> float:
    admitted = [entry for entry in entries if entry.get("admitted")]
    per_tenant = Counter(entry["tenant"] for entry in admitted)
    tenant_bound = max(((math.ceil(n / per_minute) - 1) * minute_s for n in per_tenant.values()), default=0.0)
    app_bound = (math.ceil(len(admitted) / app_per_minute) - 1) * minute_s
    return max(tenant_bound, app_bound)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--invoices", type=int, default=200)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker process")
    parser.add_argument("--minute-s", type=float, default=2.0)
    parser.add_argument("--per-minute", type=int, default=10)
    parser.add_argument("--concurrent", type=int, default=5)
    parser.add_argument("--app-per-minute", type=int, default=20)
    args = parser.parse_args()
    urls = service_urls()
    if urls is None:
        sys.exit("Set BMS_TEST_DATABASE_URL (PostgreSQL) and BMS_TEST_REDIS_URL (Redis).")
    database_url, redis_url = sibling_database(urls[0], "bench"), urls[1]
    limits = {"concurrent_limit": args.concurrent, "minute_limit": args.per_minute,
              "app_minute_limit": args.app_per_minute, "minute_s": args.minute_s, "limits_enabled": True}
    settings = {"XERO_LIMIT_CONCURRENT": args.concurrent, "XERO_LIMIT_PER_MINUTE": args.per_minute,
                "XERO_LIMIT_APP_PER_MINUTE": args.app_per_minute, "XERO_LIMIT_MINUTE_S": args.minute_s,
                "BMS_JOB_LEASE_S": 10, "XERO_TIMEOUT_S": 30, "XERO_RETRY_BASE_S": 0.2, "BMS_LOG_LEVEL": "WARNING"}
    keys = [f"bench-{n:03d}" for n in range(args.tenants)]
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        recreate_database(database_url)
        try:
            for index, workers_count in enumerate(int(n) for n in args.workers.split(",")):
                # A fresh sandbox each time: the same keys give the same tenant ids, and nothing is left
                # from the previous run (its invoices, its idempotency keys, its limit counters).
                with run_sandbox(None, **limits) as sandbox:
                    tenant_ids = [sandbox.add_tenant(key) for key in keys]
                    env = worker_env(database_url=database_url, redis_url=redis_url, sandbox=sandbox,
                                     data_dir=tmp_path, **settings)
                    if index == 0:
                        env_token = env["BMS_TOKEN_KEYS"]
                        began = time.monotonic()
                        manage(env, "migrate", "--no-input", "-v", "0")
                        python(env, f"from tests.scale.seed import seed; seed(sandbox_url={sandbox.base_url!r}, "
                                    f"tenant_ids={tenant_ids!r}, invoices_per_tenant={args.invoices}, fast=True)")
                        print(f"seeded {args.tenants} × {args.invoices} in {time.monotonic() - began:.0f} s",
                              file=sys.stderr)
                    else:
                        env["BMS_TOKEN_KEYS"] = env_token
                        execute(database_url, RESET)
                        python({**env, "SANDBOX": sandbox.base_url, "TENANT_IDS": json.dumps(tenant_ids)}, REGRANT)
                    figures.append(run_once(env, sandbox, database_url, redis_url, workers_count, args, tmp_path))
                    print(json.dumps(figures[-1]), file=sys.stderr)
        finally:
            drop_database(database_url)
    for figure in figures:
        print(json.dumps(figure))


def run_once(env, sandbox, database_url, redis_url, workers_count, args, tmp_path) -> dict:
    total = args.tenants * args.invoices
    workers = start_workers(env, workers_count, threads=args.threads, log_dir=tmp_path / f"logs-{workers_count}")
    try:
        time.sleep(3)  # the workers start (Django, Huey) before the clock starts
        sandbox.clear_log()
        began = time.monotonic()
        python(env, "from bms.jobs.services import job_enqueue; "
                    "job_enqueue(kind='xero.push_all', description='Push released invoices to Xero')")
        wait_until(lambda: query(database_url, "select count(*) from xero_invoicelink where status = 'synced'")[0][0]
                   == total, timeout=3600, what="every invoice synced", every=0.25)
        makespan = time.monotonic() - began
    finally:
        stop_workers(workers)
        forget_queue(redis_url, env["BMS_JOBS_QUEUE"])
    entries = sandbox.log()
    summary = sandbox.log_summary()
    bound = lower_bound(entries, minute_s=args.minute_s, per_minute=args.per_minute,
                        app_per_minute=args.app_per_minute)
    in_xero = sum(len(org["invoices"]) for org in sandbox.state()["orgs"].values())
    return {"tenants": args.tenants, "invoices_per_tenant": args.invoices, "workers": workers_count,
            "threads_per_worker": args.threads, "makespan_s": round(makespan, 1), "lower_bound_s": round(bound, 1),
            "ratio": round(makespan / bound, 2) if bound else None, "calls": sum(1 for e in entries if e["admitted"]),
            "refused_429": sum(summary["rate_limited"].values()), "refused_by": summary["rate_limited"],
            "invoices_in_xero": in_xero,
            "limits": {"minute_s": args.minute_s, "per_minute": args.per_minute, "concurrent": args.concurrent,
                       "app_per_minute": args.app_per_minute}}


if __name__ == "__main__":
    main()
