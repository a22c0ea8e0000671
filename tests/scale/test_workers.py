"""Four `bms worker` processes on PostgreSQL and Redis push 20 organisations' invoices through the
sandbox with its limits on (time-scaled: a "minute" of 2 s). One worker is SIGKILLed in the middle
of a batch. Then, from the sandbox's own request log and both databases:

- every invoice is in Xero exactly once, and every link says so;
- no limit was exceeded at any moment: per organisation 5 in flight and 5 a "minute", 60 a "minute"
  for the app, across all four workers together, and Xero never had to refuse a call;
- the killed worker's job was taken over by another worker within a few leases and completed,
  with nothing sent twice;
- organisations took turns: every one's first run started before any one's second;
- every worker logged a structured line per Xero call.
"""

import json
import os
import signal
import time

import psycopg
import pytest

from tests.scale.harness import (
    app_window_peak,
    drop_database,
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

TENANTS, INVOICES, WORKERS, THREADS = 20, 30, 4, 4
MINUTE_S, PER_MINUTE, CONCURRENT, APP_PER_MINUTE = 2.0, 5, 5, 60
LEASE_S = 2.0

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    database, redis_url = service_urls()
    database_url = sibling_database(database, f"workers_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    tmp = tmp_path_factory.mktemp("scale")
    with run_sandbox(None, concurrent_limit=CONCURRENT, minute_limit=PER_MINUTE, app_minute_limit=APP_PER_MINUTE,
                     minute_s=MINUTE_S, limits_enabled=True) as sandbox:
        tenant_ids = [sandbox.add_tenant(f"scale-{n:03d}", name=f"Scale Org {n:03d}") for n in range(TENANTS)]
        recreate_database(database_url)
        env = worker_env(database_url=database_url, redis_url=redis_url, sandbox=sandbox, data_dir=tmp,
                         XERO_LIMIT_CONCURRENT=CONCURRENT, XERO_LIMIT_PER_MINUTE=PER_MINUTE,
                         XERO_LIMIT_APP_PER_MINUTE=APP_PER_MINUTE, XERO_LIMIT_MINUTE_S=MINUTE_S,
                         BMS_JOB_LEASE_S=LEASE_S, XERO_PUSH_CHUNK=10, XERO_TIMEOUT_S=10, XERO_RETRY_BASE_S=0.2)
        manage(env, "migrate", "--no-input", "-v", "0")
        python(env, f"from tests.scale.seed import seed; seed(sandbox_url={sandbox.base_url!r}, "
                    f"tenant_ids={tenant_ids!r}, invoices_per_tenant={INVOICES})")
        victim = tenant_ids[0]
        # The victim's calls are slow, so a batch of its invoices is certainly in flight when its worker dies.
        sandbox.set_faults(victim, latency_ms=1500)
        sandbox.clear_log()
        workers = start_workers(env, WORKERS, threads=THREADS, log_dir=tmp / "logs")
        try:
            started = time.monotonic()
            python(env, "from bms.jobs.services import job_enqueue; "
                        "job_enqueue(kind='xero.push_all', description='Push released invoices to Xero')")
            victim_pk = query(database_url, "select id from xero_xerotenant where xero_tenant_id = %s", (victim,))[0][0]
            # One connection for the tight poll: a new one every 20 ms, beside 4 workers' pools, can run
            # the server out of connection slots while closed ones are still being released.
            with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1),
                                 autocommit=True) as poll:
                wait_until(lambda: poll.execute("select count(*) from xero_invoicelink where tenant_id = %s "
                                                "and status = 'sending'", (victim_pk,)).fetchone()[0],
                           timeout=60, what="a batch of the victim's invoices in flight", every=0.02)
            [(holder, job_id)] = query(
                database_url, "select l.holder, j.id from xero_tenantlease l, jobs_job j where l.tenant_id = %s "
                "and l.kind = 'push' and j.status = 'working' and j.kind = 'xero.invoices.push' "
                "and (j.params->>'tenant_id')::int = %s", (victim_pk, victim_pk))
            pid = int(holder.split(":")[1])
            killed = next(worker for worker in workers if worker.pid == pid)
            os.kill(pid, signal.SIGKILL)
            killed_at = time.monotonic()
            killed.wait(10)
            sandbox.clear_faults(victim)
            retaken = wait_until(lambda: query(database_url, "select attempts from jobs_job where id = %s and "
                                                              "attempts > 1", (job_id,)),
                                 timeout=30, what="the killed worker's job taken over")
            taken_over_s = time.monotonic() - killed_at
            total = TENANTS * INVOICES
            wait_until(lambda: query(database_url, "select count(*) from xero_invoicelink where status = 'synced'")
                       [0][0] == total and not query(database_url, "select 1 from jobs_job where status in "
                                                                   "('queued', 'working') limit 1"),
                       timeout=180, what=f"all {total} invoices synced and every job finished", every=0.5)
            makespan_s = time.monotonic() - started
            links = query(database_url, "select count(*), count(distinct xero_id) from xero_invoicelink "
                                        "where status = 'synced'")[0]
            processed = query(database_url, "select count(*) from billing_invoice where status = 'processed'")[0][0]
            push_runs = query(database_url, "select (params->>'tenant_id')::int, id, started_at, attempts "
                                             "from jobs_job where kind = 'xero.invoices.push' order by id")
            yield {
                "sandbox_state": sandbox.state(), "log": sandbox.log(), "summary": sandbox.log_summary(),
                "tenant_ids": tenant_ids, "victim": victim, "database_url": database_url, "job_id": job_id,
                "retaken_attempts": retaken[0][0], "taken_over_s": taken_over_s, "makespan_s": makespan_s,
                "logs": tmp / "logs", "links": links, "processed": processed, "push_runs": push_runs,
                "victim_pk": victim_pk,
            }
        finally:
            stop_workers(workers)
            forget_queue(redis_url, env["BMS_JOBS_QUEUE"])
            drop_database(database_url)


def test_every_invoice_reaches_xero_exactly_once(run):
    for tenant_id in run["tenant_ids"]:
        numbers = [invoice["InvoiceNumber"] for invoice in run["sandbox_state"]["orgs"][tenant_id]["invoices"]]
        assert len(numbers) == INVOICES and len(set(numbers)) == INVOICES, tenant_id
    total = TENANTS * INVOICES
    assert run["links"] == (total, total)  # every link synced, each to its own Xero invoice
    assert run["processed"] == total


def test_no_limit_is_exceeded_at_any_moment_across_all_workers(run):
    summary = run["summary"]
    assert set(summary["peaks"]) == set(run["tenant_ids"])
    for tenant_id, peaks in summary["peaks"].items():
        assert peaks["max_in_flight"] <= CONCURRENT, (tenant_id, peaks)
        assert peaks["max_in_minute_window"] <= PER_MINUTE, (tenant_id, peaks)
    assert app_window_peak(run["log"], MINUTE_S) <= APP_PER_MINUTE
    # Not one call had to be refused: the workers kept to the limits themselves, together.
    assert summary["rate_limited"] == {}, summary["rate_limited"]


def test_a_worker_killed_mid_batch_has_its_job_completed_elsewhere_with_no_duplicates(run):
    assert run["retaken_attempts"] >= 2
    assert run["taken_over_s"] < 3 * LEASE_S + 5  # the lease, not a 30-minute sweep, noticed the death
    victim = run["sandbox_state"]["orgs"][run["victim"]]
    creates = [e for e in run["log"] if e["tenant"] == run["victim"] and e["endpoint"] == "PUT /Invoices"]
    assert len(victim["invoices"]) == INVOICES == len({i["InvoiceNumber"] for i in victim["invoices"]})
    assert creates  # (a replay of an interrupted batch is answered from the idempotency store, not re-created)


def test_organisations_take_turns_rather_than_one_backlog_first(run):
    # 30 invoices an organisation, 10 a run: every organisation's first run started before any
    # organisation's second (the rest of a backlog queues behind the others). Organisations whose
    # run was restarted after the kill (the victim, and whatever else that worker held) are left out.
    restarted = {tenant for tenant, _, _, attempts in run["push_runs"] if attempts > 1} | {run["victim_pk"]}
    runs = [(tenant, job_id, started) for tenant, job_id, started, _ in run["push_runs"] if tenant not in restarted]
    first_ids = {}
    for tenant, job_id, _ in runs:
        first_ids.setdefault(tenant, job_id)
    firsts = [started for tenant, job_id, started in runs if first_ids[tenant] == job_id]
    later = [started for tenant, job_id, started in runs if first_ids[tenant] != job_id]
    assert len(firsts) >= TENANTS - THREADS and len(later) >= 2 * len(firsts)
    assert max(firsts) <= min(later)


def test_each_worker_logs_a_structured_line_per_xero_call(run):
    lines = []
    for path in sorted(run["logs"].glob("worker-*.log")):
        lines += [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]
    calls = [line for line in lines if line.get("message") == "xero call"]
    assert len(calls) >= len([e for e in run["log"] if e.get("admitted")]) - 10  # the killed worker's last lines
    assert {"job", "tenant", "operation", "outcome", "minute_remaining", "day_remaining"} <= set(calls[0])
    assert any(line.get("message") == "job end" and line.get("outcome") == "completed" for line in lines)
