"""Shared by the benchmarks: a sandbox in its own process (so it does not share our GIL) and JSON output."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etelecom.sandbox.control import SandboxControl, free_port  # noqa: E402


@contextlib.contextmanager
def sandbox_process(*args: str) -> Iterator[SandboxControl]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "etelecom.sandbox", "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        control = SandboxControl(f"http://127.0.0.1:{port}")
        control.wait_ready()
        yield control
    finally:
        process.terminate()
        process.wait(timeout=10)


def report(name: str, **figures) -> None:
    print(json.dumps({"name": name, **figures}), flush=True)


def django_against(database_url: str, sandbox_url: str) -> None:
    """Set Django up on `database_url`, talking to the sandbox at `sandbox_url`."""
    os.environ.update(
        DATABASE_URL=database_url,
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY", "bench"),
        ETELECOM_SHOP_BASE_URL=f"{sandbox_url}/v1/shop",
        ETELECOM_PARTNER_BASE_URL=f"{sandbox_url}/v1/partner",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "etelecom_console.settings")
    import django

    django.setup()


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak RSS of this process, or (`resource.RUSAGE_CHILDREN`) of the largest child process it has waited for."""
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def child(script: str, *args: str) -> dict:
    """Run `script` with `args` in a fresh interpreter (its own peak RSS) and return the JSON line it prints last."""
    output = subprocess.run(
        [sys.executable, script, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def measure_page(client, url: str, query: dict, repeat: int) -> dict:
    """Median milliseconds of `repeat` GETs of a page through Django's test `client` (after two to warm caches),
    and the SQL queries one GET makes."""
    import statistics
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):  # warm caches
        assert client.get(url, query).status_code == 200
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, query)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url, query)
    return {"median_ms": round(statistics.median(times), 1), "queries": len(queries)}
