"""Real `bms worker` processes on PostgreSQL and Redis against a sandbox: what the scale suite and
bench/scale_tenants.py share. Every run uses its own database and its own queue name, so runs in
parallel (pytest-xdist, other engineers) never take each other's jobs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
import redis
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def service_urls() -> tuple[str, str] | None:
    """(PostgreSQL URL, Redis URL) from BMS_TEST_DATABASE_URL and BMS_TEST_REDIS_URL, or None."""
    database, jobs = os.environ.get("BMS_TEST_DATABASE_URL", ""), os.environ.get("BMS_TEST_REDIS_URL", "")
    return (database, jobs) if database.startswith("postgres") and jobs.startswith("redis") else None


def sibling_database(url: str, suffix: str) -> str:
    """The URL of a database named after the given one plus a suffix (e.g. bms_scale_run_gw0)."""
    parts = urlparse(url)
    name = f"{parts.path.lstrip('/') or 'bms'}_{suffix}".replace("-", "_")
    return urlunparse(parts._replace(path=f"/{name}"))


def _admin(url: str) -> psycopg.Connection:
    parts = urlparse(url)
    return psycopg.connect(urlunparse(parts._replace(path="/postgres")).replace("postgres://", "postgresql://", 1),
                           autocommit=True)


def recreate_database(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    with _admin(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    with _admin(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as connection:
        return connection.execute(sql, params).fetchall()


def execute(url: str, sql: str) -> None:
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as connection:
        connection.execute(sql)


def forget_queue(redis_url: str, queue: str) -> None:
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"*{queue}*", count=1000):
        client.delete(key)


def worker_env(*, database_url: str, redis_url: str | None, sandbox, data_dir: Path, queue: str | None = None,
               **settings: object) -> dict[str, str]:
    """The environment of a BMS process on this scale deployment (settings as XERO_*/BMS_* names)."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("BMS_", "XERO_", "PYTEST", "DJANGO_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings", "BMS_DATABASE_URL": database_url,
        "BMS_DATA_DIR": str(data_dir), "BMS_TOKEN_KEYS": Fernet.generate_key().decode(),
        "XERO_CLIENT_ID": "bms-demo", "XERO_CLIENT_SECRET": "bms-demo-secret", "BMS_LOG_FORMAT": "json",
        "PYTHONPATH": str(ROOT), **sandbox.urls(),
    })
    if redis_url:
        env.update({"BMS_JOBS_URL": redis_url, "BMS_JOBS_QUEUE": queue or f"scale-{uuid.uuid4().hex[:12]}"})
    env.update({key: str(value) for key, value in settings.items()})
    return env


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def python(env: dict, code: str, *, timeout: float = 900) -> str:
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()


def start_workers(env: dict, count: int, *, threads: int, log_dir: Path) -> list[subprocess.Popen]:
    log_dir.mkdir(parents=True, exist_ok=True)
    workers = []
    for index in range(count):
        log = open(log_dir / f"worker-{index}.log", "w")  # noqa: SIM115  (closed with the process)
        workers.append(subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "worker", "--workers", str(threads)],
                                        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGINT)  # Huey's graceful stop
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)


def wait_until(condition: Callable[[], object], *, timeout: float, what: str, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def app_window_peak(entries: list[dict], minute_s: float) -> int:
    """The most calls the sandbox admitted in one of its app-wide (fixed) minute windows."""
    windows: dict[tuple, int] = {}
    for entry in entries:
        if entry.get("admitted"):
            key = (entry["client_id"], int(entry["at"] // minute_s))
            windows[key] = windows.get(key, 0) + 1
    return max(windows.values(), default=0)
