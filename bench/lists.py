"""Benchmark: every list screen at N rows of its kind (default 100,000), server time per page.

    .venv/bin/python bench/lists.py [--rows 100000] [--tries 40] [--reuse]
    .venv/bin/python bench/lists.py --database-url postgres://postgres@127.0.0.1:5432/bms_lists_bench

Target (docs/benchmarks.md, "Lists"): p95 ≤ 150 ms for every page measured, on SQLite and on
PostgreSQL, and the same number of queries on a page whatever the number of rows it shows.

A fresh database (a temporary SQLite file; or the PostgreSQL database named by --database-url,
dropped and created again) is migrated and seeded by the seeders of bms/testing/lists.py with N rows
of every listed kind (customers, invoices, credit notes, dispatches with a line each, journals, one journal's
postings, jobs, one job's log, audit events, accounts, one reconciliation run's rows), all in bulk.
The entities' N rows are seeded last, after every other list is measured: every other screen has an
entity menu or reads each entity's time zone, and a distributor has tens of entities, not 100,000.

`--reuse` keeps the seeded database for the next run with the same --rows (seeding 100,000 rows of
every kind takes minutes): SQLite in var/bench-lists/, PostgreSQL not dropped; what the pages need
(the base rows, each seeder's result) is kept in var/bench-lists/<db>.json. The next run migrates it
(so new migrations, indexes and search tables are measured) and seeds nothing but the entities, which
it deletes again after measuring them. Without --reuse every run starts from an empty database.

Each page — first, the one after it (its Next link), last, each filter and the searches the
registry names — is fetched once to warm up (its queries counted then) and then `--tries` times
with Django's test client, in process, logged in as an admin; the time is the request's whole
server time (middleware, views, queries, templates).

Adding a list screen is one entry in bms.testing.lists.LISTS; this script and the tests pick it up.

Ends with one JSON line: {"rows", "db", "tries", "worst_p95_ms", "worst_page", "seed_s", "reused",
"load_average": [1, 5, 15 min at the start], "load_average_end", "pages": {url: {"p50", "p95", "queries"}}}.
Other work on the machine shows in the load average: compare runs made at a similar one.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REUSE_DIR = ROOT / "var" / "bench-lists"


def _recreate_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _create_postgres(url: str) -> None:
    """The database for --reuse: kept if it is there."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _delete_everything() -> None:
    """A kept database whose state file is gone or of other --rows: start again from an empty one."""
    from django.core.management import call_command

    call_command("flush", verbosity=0, interactive=False)


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]  # nearest rank


def _measure(client, url: str, tries: int) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # each request clears the log when it starts: count from an empty one
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    samples = []
    for _ in range(tries):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    return {"p50": round(_percentile(samples, 0.5), 1), "p95": round(_percentile(samples, 0.95), 1),
            "queries": len(captured)}


def _pages(client, screen, base, seeded) -> list[str]:
    from urllib.parse import urlencode

    from bms.core.testing import page_link

    url = screen.url(seeded)
    pages = [url, url + page_link(client.get(url), "next")]
    pages.append(f"{url}?page=last")
    pages += [f"{url}?{urlencode(params)}" for params in screen.variants(base, seeded).values()]
    return pages


def _state_path() -> Path:
    from django.db import connection

    return REUSE_DIR / f"{connection.vendor}-{connection.settings_dict['NAME'].rsplit('/', 1)[-1]}.json"


def _ref(value):
    """A seeder's result as JSON: a model row as [label, pk]; anything else must be None."""
    if value is None:
        return None
    return [value._meta.label, value.pk]


def _deref(ref):
    from django.apps import apps

    if ref is None:
        return None
    return apps.get_model(ref[0]).objects.get(pk=ref[1])


def _save_state(rows: int, base, seeded_by: dict) -> None:
    from dataclasses import fields

    state = {"rows": rows, "base": {f.name: [_ref(v) for v in getattr(base, f.name)]
                                    if isinstance(getattr(base, f.name), list) else _ref(getattr(base, f.name))
                                    for f in fields(base)},
             "seeded": {seed.__name__: _ref(value) for seed, value in seeded_by.items()}}
    REUSE_DIR.mkdir(parents=True, exist_ok=True)
    _state_path().write_text(json.dumps(state))


def _load_state(rows: int, screens):
    """(base, seeded_by) of an earlier run with the same rows, or None."""
    from bms.testing.lists import Base

    path = _state_path()
    if not path.exists():
        return None
    state = json.loads(path.read_text())
    if state["rows"] != rows or any(s.seed.__name__ not in state["seeded"] for s in screens):
        return None
    base = Base(**{name: [_deref(r) for r in ref] if ref and isinstance(ref[0], list) else _deref(ref)
                   for name, ref in state["base"].items()})
    return base, {s.seed: _deref(state["seeded"][s.seed.__name__]) for s in screens}


def _delete_seeded_entities() -> None:
    from bms.entities.models import Entity

    for prefix in ("B", "O"):  # branches first: they point at their organisation
        seeded = Entity.objects.filter(code__regex=rf"^{prefix}[0-9]{{7}}$")
        seeded._raw_delete(seeded.db)


def child(rows: int, tries: int, *, reuse: bool) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bms.testing.lists import LISTS, seed_base

    load_average = [round(x, 2) for x in os.getloadavg()]
    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    later = [screen for screen in LISTS if screen.needs_own_database]
    earlier = [screen for screen in LISTS if not screen.needs_own_database]
    loaded = _load_state(rows, earlier) if reuse else None
    if loaded is not None:
        base, seeded_by = loaded
        _delete_seeded_entities()  # an earlier run stopped before deleting them
    else:
        if reuse:
            _delete_everything()
        base = seed_base()
        seeded_by = {}  # one seeder serves two screens (invoices, a customer's invoices): seed it once
        for screen in earlier:
            if screen.seed not in seeded_by:
                seeded_by[screen.seed] = screen.seed(base, rows)
        if reuse:
            _save_state(rows, base, seeded_by)
    seed_s = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves a table: statistics, visibility map
    client = Client()
    client.force_login(base.user)
    pages: dict[str, dict] = {}

    def measure(screen) -> None:
        seeded = seeded_by[screen.seed]
        for url in _pages(client, screen, base, seeded):
            pages[url] = _measure(client, url, tries)
            print(f"{url[:90]:90} {pages[url]}", file=sys.stderr, flush=True)

    for screen in LISTS:
        if not screen.needs_own_database:
            measure(screen)
    for screen in later:
        started = time.perf_counter()
        seeded_by[screen.seed] = screen.seed(base, rows)
        seed_s += time.perf_counter() - started
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves a table: statistics, visibility map
        measure(screen)
    if reuse:
        _delete_seeded_entities()
    worst = max(pages, key=lambda url: pages[url]["p95"])
    return {"rows": rows, "db": "sqlite" if connection.vendor == "sqlite" else "postgres", "tries": tries,
            "worst_p95_ms": pages[worst]["p95"], "worst_page": worst, "seed_s": round(seed_s, 1),
            "reused": loaded is not None, "load_average": load_average,
            "load_average_end": [round(x, 2) for x in os.getloadavg()], "pages": pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--tries", type=int, default=40)
    parser.add_argument("--database-url", default="", help="PostgreSQL (dropped and created again); default SQLite")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database for the next run (and use "
                        "the one an earlier --reuse run kept)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.rows, args.tries, reuse=args.reuse)))
        return
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="bms-bench-lists-") as data_dir:
        if args.reuse:
            REUSE_DIR.mkdir(parents=True, exist_ok=True)
            data_dir = str(REUSE_DIR)
        env["BMS_DATA_DIR"] = data_dir
        if args.database_url:
            if not args.reuse:
                _recreate_postgres(args.database_url)
            else:
                _create_postgres(args.database_url)
            env["BMS_DATABASE_URL"] = args.database_url
        else:
            env.pop("BMS_DATABASE_URL", None)
        command = [sys.executable, __file__, "--child", "--rows", str(args.rows), "--tries", str(args.tries)]
        out = subprocess.run(command + (["--reuse"] if args.reuse else []), env=env, cwd=ROOT,
                             stdout=subprocess.PIPE, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"the benchmark failed (exit {out.returncode})")
    print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
