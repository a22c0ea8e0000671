"""Benchmark: push released invoices to one Xero organisation through the sandbox, limits on.

    .venv/bin/python bench/invoices_push.py [--invoices 5000] [--minute-s 60] [--latency-ms 1000] [--single 100]

It starts its own sandbox (a separate process, so its CPU is not counted as ours) with Xero's
limits — 5 concurrent, 60 a minute, 5,000 a day — and time-scaled: a "minute" lasts `--minute-s`
seconds, in the sandbox and in BMS's limiter alike. `--latency-ms` makes the sandbox take that long
over every Accounting call (its `latency_ms` fault), as real Xero does (roughly 0.5–2 s for a
50-invoice PUT). It seeds a fresh SQLite database, releases `--invoices` invoices for 200
customers, syncs the customers, then pushes the invoices with the product's own code path (the
`xero.invoices.push` job), and finally pushes `--single` more one invoice per call for comparison.

Figures, as the last line, one JSON object:
- calls: every Accounting API call of the push (contacts on the way, look-ups, the organisation…);
- min_calls: ⌈invoices / 50⌉, the fewest calls that can carry them;
- bound_s: the earliest the calls the push made could all be answered (bench/schedule.py): at most
  5 in flight, at most 60 starting in any sliding minute, each taking the latency (at latency 0,
  the mean time the sandbox took over a call), the reads before the writes that depend on them;
- efficiency: bound_s divided by the time the push took, from the job's start to its end (local
  work included: loading, checks and payloads count against BMS);
- customers: the same for the customers' sync before it, whose bound follows its critical path:
  the reads, then the look-ups by name (only for customers the look-up by contact code did not
  find), then the creates;
- lower_bound_s / efficiency_window: the older, looser bound (the minute windows alone), kept so
  figures from before stay comparable;
- cpu_ms_per_invoice: this process's CPU time (BMS: payloads, HTTP, database) per invoice.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote_plus

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.schedule import earliest_finish, earliest_starts  # noqa: E402  (after the path: run as a script)

CUSTOMERS = 200
_started_at = 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_sandbox(data_dir: Path, minute_s: float) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "xero_sandbox", "--port", str(port), "--data", str(data_dir), "--auto-consent",
         "--set", f"minute_s={minute_s}", "--set", "persist=false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{base}/_sandbox/config", timeout=1).raise_for_status()
            return process, base
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the sandbox did not start")


def _configure_django(data_dir: Path, base: str, minute_s: float) -> None:
    from cryptography.fernet import Fernet

    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "BMS_DATA_DIR": str(data_dir),
        "BMS_TOKEN_KEYS": Fernet.generate_key().decode(),
        "XERO_CLIENT_ID": "bms-demo",
        "XERO_CLIENT_SECRET": "bms-demo-secret",
        "XERO_AUTHORIZE_URL": f"{base}/identity/connect/authorize",
        "XERO_TOKEN_URL": f"{base}/identity/connect/token",
        "XERO_REVOKE_URL": f"{base}/identity/connect/revocation",
        "XERO_CONNECTIONS_URL": f"{base}/connections",
        "XERO_API_URL": f"{base}/api.xro/2.0",
        "XERO_LIMIT_MINUTE_S": str(minute_s),
    })
    import django
    from django.core.management import call_command

    django.setup()
    logging.getLogger("bms").setLevel(logging.WARNING)  # the per-call log lines would drown the progress
    call_command("migrate", verbosity=0)


def _seed(base: str, invoices: int):
    from django.utils import timezone

    from bms.billing.services import InvoiceLineData, invoice_approve, invoice_create
    from bms.customers.models import Customer
    from bms.entities.models import Entity
    from bms.ledger.models import Account, AccountClass, AccountType, TaxRate
    from bms.preferences.models import GeneralSettings, IntegrationPackage
    from bms.xero.auth.tokens import grant_store_tokens
    from bms.xero.client.oauth import TokenSet
    from bms.xero.models import XeroGrant, XeroTenant
    from bms.xero.services.connections import entity_connect_tenant

    GeneralSettings.objects.update_or_create(pk=1, defaults={"integration_package": IntegrationPackage.XERO})
    entity = Entity.objects.create(code="AU", name="Acme Distribution Pty Ltd", prefix="AU-",
                                   time_zone="Australia/Sydney")
    revenue = Account.objects.create(code="41110", name="Hardware Sale - Machine", account_class=AccountClass.REVENUE,
                                     account_type=AccountType.REVENUE)
    gst = TaxRate.objects.create(xero_tax_type="OUTPUT", name="GST on Income", rate_percent=Decimal("10"))
    customers = Customer.objects.bulk_create(
        Customer(code=f"C{n:04d}", name=f"Bench Customer {n}") for n in range(CUSTOMERS)
    )

    state = httpx.get(f"{base}/_sandbox/state", timeout=30).json()
    tenant_id = next(tid for tid, org in state["orgs"].items() if org["country_code"] == "AU")
    tokens = TokenSet.model_validate(httpx.post(f"{base}/_sandbox/grants", json={}, timeout=30).json())
    now = timezone.now()
    grant = XeroGrant(xero_user_id=tokens.xero_user_id, authenticated_at=now)
    grant_store_tokens(grant=grant, tokens=tokens, now=now)
    grant.save()
    tenant = XeroTenant.objects.create(xero_tenant_id=tenant_id, name="Acme Distribution (Xero AU)", grant=grant,
                                       tenant_type="ORGANISATION", is_connected=True)
    entity_connect_tenant(entity=entity, user=None, tenant=tenant)

    def release(count: int) -> list[int]:
        ids = []
        for n in range(count):
            invoice = invoice_create(
                entity=entity, customer=customers[n % CUSTOMERS], issued_on=date(2026, 11, 2), currency="AUD",
                lines=[InvoiceLineData(f"Lathe {n}", Decimal(1 + n % 3), Decimal("100.3333"), revenue, gst),
                       InvoiceLineData("Freight", Decimal("1"), Decimal("12.50"), revenue, gst)],
            )
            ids.append(invoice_approve(invoice=invoice).pk)
            if (n + 1) % 1000 == 0:
                print(f"  released {n + 1:,} invoices", file=sys.stderr)
        return ids

    return tenant, release


def _run_job(kind: str, params: dict) -> tuple[float, float, object]:
    from bms.jobs.models import Job
    from bms.jobs.services import job_enqueue, job_run

    global _started_at
    _started_at = time.time()  # the sandbox stamps its log with the same clock
    wall, cpu = time.perf_counter(), time.process_time()
    job = job_enqueue(kind=kind, description="bench", params=params)
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        cProfile.runctx("job_run(job_id=job.pk)", globals(), {"job_run": job_run, "job": job},
                        os.environ["BENCH_PROFILE"])
    else:
        job_run(job_id=job.pk)
    job = Job.objects.get(pk=job.pk)
    return time.perf_counter() - wall, time.process_time() - cpu, job


def _calls(base: str, tenant_id: str) -> tuple[list[dict], dict]:
    """The Accounting API calls the sandbox saw for the tenant, and its per-tenant limit peaks."""
    answer = httpx.get(f"{base}/_sandbox/log", params={"tenant": tenant_id}, timeout=60).json()
    return answer["entries"], answer["summary"]["peaks"].get(tenant_id, {})


def _phases(calls: list[dict]) -> list[int]:
    """The calls' critical path, as phase sizes: reads (none needs another's answer), then look-ups
    by name (asked only for what the look-up by contact code did not find), then writes."""
    writes = [e for e in calls if e["method"] in ("PUT", "POST")]
    by_name = [e for e in calls if e["method"] == "GET" and "Name==" in unquote_plus(e.get("query") or "")]
    reads = len(calls) - len(writes) - len(by_name)
    return [n for n in (reads, len(by_name), len(writes)) if n]


def _bound_s(calls: list[dict], latency_ms: int, minute_s: float, per_minute: int, concurrent: int) -> float:
    durations = [e["done"] - e["at"] for e in calls if e.get("done")]
    call_s = latency_ms / 1000 if latency_ms else sum(durations) / max(1, len(durations))
    return earliest_finish(_phases(calls), call_s=call_s, concurrent=concurrent, per_window=per_minute,
                           window_s=minute_s)


def _timeline(name: str, calls: list[dict], latency_ms: int, minute_s: float, concurrent: int,
              per_minute: int) -> None:
    """BENCH_TIMELINE: where the time went. Each call's start against the bound's earliest start
    (both from the job's start; the bound's schedule begins with the first call), and how long the
    tenant's `concurrent` slots stood idle before the last answer, split into before the first call,
    in the first window (the first `per_minute` calls, which the rest of the run repeats at the
    window's pace) and after it."""
    done = sorted((e for e in calls if e.get("done")), key=lambda e: e["at"])
    if not done:
        return
    call_s = latency_ms / 1000 if latency_ms else sum(e["done"] - e["at"] for e in done) / len(done)
    ideal = earliest_starts(_phases(done), call_s=call_s, concurrent=concurrent, per_window=per_minute,
                            window_s=minute_s)
    first = done[0]["at"] - _started_at
    print(f"{name}: first call {first:.2f} s after the job's start; call: start (ideal), end", file=sys.stderr)
    shown = done if os.environ.get("BENCH_TIMELINE") == "all" else done[:per_minute + 2]
    for n, entry in enumerate(shown):
        print(f"  {n:3d} {entry['method']:4s} {entry['at'] - _started_at:7.2f} ({first + ideal[n]:6.2f})"
              f" {entry['done'] - _started_at:7.2f}", file=sys.stderr)
    end = max(e["done"] for e in done)
    split = done[min(per_minute, len(done)) - 1]["at"]
    busy_first = sum(min(e["done"], split) - e["at"] for e in done if e["at"] < split)
    busy_after = sum(e["done"] - max(e["at"], split) for e in done if e["done"] > split)
    idle_first = concurrent * (split - done[0]["at"]) - busy_first
    idle_after = concurrent * (end - split) - busy_after
    print(f"  idle slot-seconds: before the first call {concurrent * first:.2f}, first window {idle_first:.2f}, "
          f"after it {idle_after:.2f}"
          f"; last answer {end - _started_at:.2f} s (bound {first + ideal[-1] + call_s:.2f})", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=5000)
    parser.add_argument("--minute-s", type=float, default=60.0, help="how long a Xero minute lasts (60: real time)")
    parser.add_argument("--single", type=int, default=100, help="invoices pushed one per call, for comparison")
    parser.add_argument("--latency-ms", type=int, default=0, help="how long the sandbox takes over each call")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-invoices-"))
    sandbox, base = _start_sandbox(work / "sandbox", args.minute_s)
    try:
        _configure_django(work, base, args.minute_s)
        from django.conf import settings

        from bms.billing.models import Invoice, InvoiceStatus
        from bms.xero.sync import push as push_engine

        tenant, release = _seed(base, args.invoices)
        if args.latency_ms:
            httpx.post(f"{base}/_sandbox/faults", json={"latency_ms": args.latency_ms}, timeout=30).raise_for_status()
        print(f"releasing {args.invoices:,} invoices for {CUSTOMERS} customers…", file=sys.stderr)
        ids = release(args.invoices)
        # The customers first, as after a first day: the figures are the invoices' own.
        httpx.delete(f"{base}/_sandbox/log", timeout=30)
        contacts_s, _, job = _run_job("xero.customers.sync", {"tenant_id": tenant.pk})
        contact_log = _calls(base, tenant.xero_tenant_id)[0]
        if os.environ.get("BENCH_TIMELINE"):
            _timeline("customers", contact_log, args.latency_ms, args.minute_s, settings.XERO_LIMIT_CONCURRENT,
                      settings.XERO_LIMIT_PER_MINUTE)
        contact_calls = len(contact_log)
        print(f"  customers: {job.result} ({contact_calls} calls)", file=sys.stderr)
        time.sleep(args.minute_s)  # a fresh minute for the push
        httpx.delete(f"{base}/_sandbox/log", timeout=30)
        print(f"pushing them (a Xero minute lasts {args.minute_s:g} s)…", file=sys.stderr)
        seconds, cpu_s, job = _run_job("xero.invoices.push", {"tenant_id": tenant.pk, "invoice_ids": ids})
        calls, peaks = _calls(base, tenant.xero_tenant_id)
        processed = Invoice.objects.filter(pk__in=ids, status=InvoiceStatus.PROCESSED).count()
        print(f"  {job.result}", file=sys.stderr)

        per_minute, concurrent = settings.XERO_LIMIT_PER_MINUTE, settings.XERO_LIMIT_CONCURRENT
        bound_s = _bound_s(calls, args.latency_ms, args.minute_s, per_minute, concurrent)
        contacts_bound_s = _bound_s(contact_log, args.latency_ms, args.minute_s, per_minute, concurrent)
        min_calls = math.ceil(args.invoices / push_engine.BATCH_SIZE)
        mean_call_s = sum(e["done"] - e["at"] for e in calls if e.get("done")) / max(1, len(calls))
        lower_bound_s = (min_calls - 1) // per_minute * args.minute_s + mean_call_s
        starts = sorted(e["at"] for e in calls)
        first_call_s = starts[0] - _started_at  # loading, checks: local work before Xero hears anything
        ended_s = max(e["done"] for e in calls) - _started_at
        if os.environ.get("BENCH_TIMELINE"):
            _timeline("invoices", calls, args.latency_ms, args.minute_s, concurrent, per_minute)
        status_counts: dict[str, int] = {}
        for entry in calls:
            status_counts[str(entry["status"])] = status_counts.get(str(entry["status"]), 0) + 1

        # The same work one invoice per call, on a sample: what batching saves.
        single_s = single_calls = 0.0
        if args.single:
            single_ids = release(args.single)
            httpx.delete(f"{base}/_sandbox/log", timeout=30)
            push_engine.BATCH_SIZE = 1
            single_s, _, _ = _run_job("xero.invoices.push", {"tenant_id": tenant.pk, "invoice_ids": single_ids})
            single_calls = len(_calls(base, tenant.xero_tenant_id)[0])
        figures = {
            "invoices": args.invoices,
            "processed": processed,
            "calls": len(calls),
            "min_calls": min_calls,
            "calls_ratio": round(len(calls) / min_calls, 3),
            "status_counts": status_counts,
            "peaks": peaks,
            "seconds": round(seconds, 2),
            "minute_s": args.minute_s,
            "latency_ms": args.latency_ms,
            "phases": _phases(calls),
            "bound_s": round(bound_s, 2),
            "efficiency": round(bound_s / seconds, 3),
            "lower_bound_s": round(lower_bound_s, 2),
            "efficiency_window": round(lower_bound_s / seconds, 3),
            "first_call_at_s": round(first_call_s, 2),
            "last_answer_at_s": round(ended_s, 2),
            "cpu_ms_per_invoice": round(cpu_s * 1000 / args.invoices, 2),
            "customers": {"customers": CUSTOMERS, "calls": contact_calls, "phases": _phases(contact_log),
                          "seconds": round(contacts_s, 2), "bound_s": round(contacts_bound_s, 2),
                          "efficiency": round(contacts_bound_s / contacts_s, 3) if contacts_s else None},
            "single": {
                "invoices": args.single,
                "calls": int(single_calls),
                "seconds": round(single_s, 2),
                # At one invoice a call the limit allows 60 a minute: the full run, in real minutes.
                "projected_minutes_for_all": round(args.invoices / per_minute, 1),
            },
        }
        print(json.dumps(figures))
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
