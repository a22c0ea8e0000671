"""Benchmark: how long `python -m xero_sandbox` takes from launch to its first answer.

    .venv/bin/python bench/sandbox_start.py [--tries 5]

Target (docs/benchmarks.md, "Sandbox start"): ready in under 3 s on a 2-core machine. Each try starts
a fresh process on a fresh data folder (so the seed is written) and polls /_sandbox/config.
Ends with one JSON line: {"tries", "p50_s", "max_s", "target_s"}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xero_sandbox.testing import free_port  # noqa: E402


def one_start() -> float:
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", "xero_sandbox", "--port", str(port), "--data", data],
                                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/_sandbox/config", timeout=1)
                    return time.monotonic() - started
                except httpx.TransportError:
                    if process.poll() is not None:
                        raise SystemExit(process.stderr.read().decode() if process.stderr else "exited") from None
                    time.sleep(0.01)
        finally:
            process.terminate()
            process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=5)
    args = parser.parse_args()
    times = [one_start() for _ in range(args.tries)]
    for n, seconds in enumerate(times, 1):
        print(f"try {n}: ready in {seconds:.2f} s", file=sys.stderr)
    print(json.dumps({"tries": args.tries, "p50_s": round(statistics.median(times), 3),
                      "max_s": round(max(times), 3), "target_s": 3.0}))


if __name__ == "__main__":
    main()
