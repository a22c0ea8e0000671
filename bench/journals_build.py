"""Benchmark: build the nightly cost-of-sales journals for N dispatch lines (50 entities × 30 days).

    .venv/bin/python bench/journals_build.py [--lines 1000000] [--db sqlite|postgres|both]

Targets (docs/benchmarks.md, "Journals build"), on a 2-core machine: 1,000,000 lines in ≤ 20 s and
≤ 300 MB peak on SQLite, ≤ 10 s on PostgreSQL, time growing linearly with lines. It reports 100k,
300k and the size asked for. Each size runs in a fresh process on a fresh database (a temporary
SQLite file; for PostgreSQL the database named by BMS_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/bms_bench_journals, dropped and created again), so the peak
memory is that one build's. Dispatch lines are seeded with bulk SQL, not through the ORM; the
timed part is exactly what the nightly run does: journals_build_due for every entity.

Ends with one JSON line per database: {"lines", "seconds", "peak_mb", "db", "journals", "postings",
"journal_lines", "series": [{"lines", "seconds", "peak_mb"}, …]} — a posting (one row) is a journal's
two lines, debit Cost and credit Stock.
"""

# ruff: noqa: S608 — the seeding SQL is built from this script's own constants, never from input.
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENTITIES = 50
DAYS = 30
LINES_PER_DISPATCH = 5
PRODUCTS = 200
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/bms_bench_journals"


def _recreate_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _seed(lines: int) -> None:
    """50 entities (Sydney and Auckland), 200 products, defaults, and `lines` shipped dispatch lines
    spread evenly over 30 days, written by the database itself."""
    from decimal import Decimal

    from django.db import connection

    from bms.customers.models import Customer
    from bms.entities.models import Entity
    from bms.ledger.models import Account, AccountDefaults
    from bms.stock.models import Dispatch, DispatchLine, Product

    cost = Account.objects.create(code="51110", name="Cost", account_class="EXPENSE", account_type="DIRECTCOSTS")
    stock = Account.objects.create(code="14410", name="Stock", account_class="ASSET", account_type="CURRENT")
    parts = Account.objects.create(code="51120", name="Parts", account_class="EXPENSE", account_type="DIRECTCOSTS")
    AccountDefaults.objects.update_or_create(pk=1, defaults={"cost_account": cost, "stock_account": stock})
    entities = Entity.objects.bulk_create(
        Entity(code=f"E{n:02d}", name=f"Entity {n}", prefix=f"E{n:02d}-",
               time_zone="Australia/Sydney" if n % 2 else "Pacific/Auckland") for n in range(ENTITIES))
    Product.objects.bulk_create(
        Product(sku=f"P{n:04d}", name=f"Product {n}", unit_cost=Decimal(n * 7 % 997) + Decimal("0.3333"),
                cost_account=parts if n % 4 == 0 else None) for n in range(PRODUCTS))
    customer = Customer.objects.create(code="C0001", name="Bench Customer")
    dispatches = lines // LINES_PER_DISPATCH
    first_entity = min(e.pk for e in entities)
    first_product = Product.objects.order_by("pk").values_list("pk", flat=True).first()
    d, dl = Dispatch._meta.db_table, DispatchLine._meta.db_table
    if connection.vendor == "postgresql":
        numbers = f"SELECT generate_series(0, {dispatches - 1}) AS n"
        # 01:00–09:00 UTC is the afternoon of the same date in Sydney and Auckland.
        at = ("TIMESTAMPTZ '2026-05-01 01:00:00+00' + ((n / {e}) % {days}) * INTERVAL '1 day'"
              " + (n % 480) * INTERVAL '1 minute'")
    else:
        numbers = (f"WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < {dispatches - 1}) "
                   f"SELECT n FROM seq")
        at = ("strftime('%Y-%m-%d %H:%M:%S', '2026-05-01 01:00:00', '+' || ((n / {e}) % {days}) || ' days', "
              "'+' || (n % 480) || ' minutes')")
    at = at.format(e=ENTITIES, days=DAYS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {d} (entity_id, customer_id, reference, status, shipped_at, cancelled_at, created_at, "
            f"updated_at) SELECT {first_entity} + n % {ENTITIES}, {customer.pk}, 'D' || n, 'shipped', {at}, NULL, "
            f"{at}, {at} FROM ({numbers}) nums"
        )
        cursor.execute(
            f"INSERT INTO {dl} (dispatch_id, product_id, quantity, unit_cost) "
            f"SELECT d.id, {first_product} + (d.id * 7 + k.k * 13) % {PRODUCTS}, 1 + (d.id + k.k) % 6, "
            f"p.unit_cost FROM {d} d CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL "
            f"SELECT 3 UNION ALL SELECT 4) k JOIN stock_product p ON p.id = {first_product} + "
            f"(d.id * 7 + k.k * 13) % {PRODUCTS}"
        )
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")


def child(lines: int) -> dict:
    import django

    django.setup()
    from datetime import UTC, datetime

    from django.core.management import call_command
    from django.db import connection

    from bms.cogs.models import CostOfSalesJournal, JournalPosting
    from bms.cogs.services import journals_build_due
    from bms.entities.models import Entity

    call_command("migrate", verbosity=0, interactive=False)
    _seed(lines)
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    started = time.perf_counter()
    for entity in Entity.objects.order_by("pk"):
        journals_build_due(entity=entity, now=now)
    seconds = time.perf_counter() - started
    return {
        "lines": lines, "seconds": round(seconds, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "db": connection.vendor if connection.vendor == "sqlite" else "postgres",
        "journals": CostOfSalesJournal.objects.count(), "postings": (postings := JournalPosting.objects.count()),
        "journal_lines": 2 * postings,
    }


def run(db: str, lines: int) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="bms-bench-") as data_dir:
        env["BMS_DATA_DIR"] = data_dir
        if db == "postgres":
            url = os.environ.get("BMS_BENCH_DATABASE_URL", PG_DEFAULT)
            _recreate_postgres(url)
            env["BMS_DATABASE_URL"] = url
        else:
            env.pop("BMS_DATABASE_URL", None)
        out = subprocess.run([sys.executable, __file__, "--child", str(lines)], env=env, cwd=ROOT,
                             capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"{db} {lines} lines failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    sizes = sorted({n for n in (100_000, 300_000) if n < args.lines} | {args.lines})
    summaries = []
    for db in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        series = []
        for lines in sizes:
            result = run(db, lines)
            series.append({key: result[key] for key in ("lines", "seconds", "peak_mb")})
            print(f"{db:8} {lines:>9,} lines  {result['seconds']:7.2f} s  {result['peak_mb']:6.1f} MB  "
                  f"({result['journals']} journals, {result['journal_lines']:,} journal lines)", flush=True)
        summaries.append({**result, "series": series})
    for summary in summaries:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
