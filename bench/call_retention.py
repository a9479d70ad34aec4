"""The retention job deleting the oldest year of a big call table while a call sync writes and the call list is
read: the worst stall each of them sees, against the same two running without the deletion.

Data: `--records` calls over 10 shops and three years (`call_admin.fill`, the sync's upsert), or, with `--reuse`,
the calls a `call_admin.py` run left in the database. A sandbox shop with `--sync-calls` calls is synced again and
again (its calls deleted between passes) while a second process reads the call list (unfiltered, and one shop's
month) as fast as it answers. Each of the three runs in a process of its own.

- the sync: the longest transaction that stores a batch (20,000 calls, their rollups and the cursor);
- the list: the slowest page;
- locks: the longest any session waited for a lock, sampled every 50 ms;
- prune: `pbx.services.calls_prune` of every shop with the first kept day a year after the oldest call.
`worst_stall_ms` is what the deletion added: the longest lock wait, or the slowest page or batch beyond the slowest
seen without it, whichever is more. Goal (PostgreSQL, 2 cores): at most 1 s.

    DATABASE_URL=postgres://... python bench/call_retention.py [--records 1000000] [--reuse] [--sync-calls 200000]
    (at a partner's scale: --reuse after `call_admin.py --sizes 1000000 10000000`, which leaves 10M calls)
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import ROOT, django_against, report, sandbox_process

SYNC_SHOP = "Cửa hàng 00001"


def list_pages(stop: Path) -> dict:
    from call_admin import _superuser
    from django.test import Client

    from pbx.models import CallRecord

    client = Client()
    client.force_login(_superuser())
    some = CallRecord.objects.order_by("-started_at").values("shop_id", "started_day").first()
    month = some["started_day"].replace(day=1)
    queries = [{}, {"shop": some["shop_id"], "started_from": month.isoformat()}]
    times = []
    while not stop.exists():
        for query in queries:
            started = time.perf_counter()
            assert client.get("/admin/pbx/callrecord/", query).status_code == 200
            times.append(time.perf_counter() - started)
    return {"pages": len(times), "median_ms": round(statistics.median(times) * 1000, 1), "max_ms": _ms(max(times))}


def sync_passes(stop: Path) -> dict:
    from pbx import calls
    from pbx.models import CallRecord, CallSyncState
    from shops import syncing
    from shops.models import Shop

    shop = Shop.objects.get(name=SYNC_SHOP)
    stores = []
    store = calls.calls_store

    def timed(*args, **kwargs):
        started = time.perf_counter()
        store(*args, **kwargs)
        stores.append(time.perf_counter() - started)

    calls.calls_store = timed
    passes = 0
    while not stop.exists() or not passes:
        CallRecord.objects.filter(shop=shop).delete()
        CallSyncState.objects.filter(shop=shop).delete()
        while True:
            run = syncing.run_now("call_sync", calls.call_history_sync_work, shop=shop)
            assert run.status == "succeeded", run.error
            if not run.counts.get("more"):
                break
        passes += 1
    return {
        "passes": passes,
        "batches": len(stores),
        "median_ms": _ms(statistics.median(stores)),
        "max_ms": _ms(max(stores)),
    }


def prune() -> dict:
    from datetime import datetime, timedelta

    from django.db.models import Min

    from pbx import services
    from pbx.models import CallRecord
    from shops.models import Shop

    oldest = CallRecord.objects.exclude(shop__name=SYNC_SHOP).aggregate(d=Min("started_day"))["d"]
    before = datetime.combine(oldest + timedelta(days=365), datetime.min.time(), services.LOCAL)
    started = time.perf_counter()
    deleted = sum(services.calls_prune(shop, before) for shop in Shop.objects.exclude(name=SYNC_SHOP).order_by("pk"))
    seconds = time.perf_counter() - started
    return {"deleted": deleted, "seconds": round(seconds, 1), "rows_per_s": round(deleted / seconds)}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def start(phase: str, database_url: str, sandbox_url: str, stop: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--phase",
            phase,
            "--database-url",
            database_url,
            "--sandbox",
            sandbox_url,
            "--stop",
            str(stop),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}"},
        stdout=subprocess.PIPE,
        text=True,
    )


def result(process: subprocess.Popen) -> dict:
    output, _ = process.communicate()
    if process.returncode:
        raise RuntimeError(f"a phase failed ({process.returncode})")
    return json.loads(output.strip().splitlines()[-1])


def lock_waits(stop: threading.Event) -> dict:
    """Every 50 ms, the longest any session of this database has been waiting for a lock (PostgreSQL)."""
    from django.db import connection

    longest = 0.0
    with connection.cursor() as cursor:
        while not stop.wait(0.05):
            cursor.execute(
                "SELECT COALESCE(EXTRACT(EPOCH FROM MAX(now() - query_start)), 0) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            longest = max(longest, float(cursor.fetchone()[0]))
    connection.close()
    return {"longest_lock_wait_ms": _ms(longest)}


def concurrently(database_url: str, sandbox_url: str, tmp: str, *, with_prune: bool, alone_seconds: float) -> dict:
    stop = Path(tmp) / f"stop-{with_prune}"
    readers = [start(name, database_url, sandbox_url, stop) for name in ("list", "sync")]
    sampling, waits = threading.Event(), {}
    sampler = threading.Thread(target=lambda: waits.update(lock_waits(sampling)))
    sampler.start()
    if with_prune:
        pruned = result(start("prune", database_url, sandbox_url, stop))
    else:
        time.sleep(alone_seconds)
        pruned = None
    stop.touch()
    listed, synced = (result(process) for process in readers)
    sampling.set()
    sampler.join()
    return {"prune": pruned, "list": listed, "sync": synced, **waits}


def main():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        report("call_retention", skipped="a PostgreSQL question: set DATABASE_URL=postgres://...")
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the calls a call_admin.py run left")
    parser.add_argument("--sync-calls", type=int, default=200_000)
    parser.add_argument("--alone-seconds", type=float, default=60, help="how long the two run without the prune")
    parser.add_argument("--phase", choices=["list", "sync", "prune"])
    parser.add_argument("--database-url")
    parser.add_argument("--sandbox")
    parser.add_argument("--stop")
    args = parser.parse_args()
    if args.phase:
        django_against(args.database_url, args.sandbox)
        stop = Path(args.stop)
        phases = {"list": lambda: list_pages(stop), "sync": lambda: sync_passes(stop), "prune": prune}
        print(json.dumps(phases[args.phase]()))
        return

    os.environ["BENCH_SECRET_KEY"] = secrets.token_urlsafe(40)
    database_url = os.environ["DATABASE_URL"]
    with tempfile.TemporaryDirectory() as tmp, sandbox_process("--dataset", "empty") as control:
        control.reset("generated", shops=1, calls_per_shop=args.sync_calls, call_days=90)
        os.environ.update(STATIC_ROOT=str(Path(tmp) / "static"), ALLOWED_HOSTS="testserver")
        django_against(database_url, control.url)
        from call_admin import fill
        from django.core.management import call_command
        from django.db import connection

        from pbx import services as pbx_services
        from pbx.models import CallRecord
        from shops import services as shop_services
        from shops import syncing
        from shops.models import Shop

        call_command("collectstatic", interactive=False, verbosity=0)
        if not args.reuse:
            fill(args.records)
        calls = CallRecord.objects.count()
        syncing.run_now("shop_import", shop_services.import_partner_shops_work)
        syncing.run_now("pbx_sync", pbx_services.directory_sync_work, shop=Shop.objects.get(name=SYNC_SHOP))
        connection.close()
        load = os.getloadavg()[0]
        alone = concurrently(database_url, control.url, tmp, with_prune=False, alone_seconds=args.alone_seconds)
        during = concurrently(database_url, control.url, tmp, with_prune=True, alone_seconds=0)

    report(
        "call_retention",
        database=database_url.split(":")[0],
        calls=calls,
        load_before=round(load, 2),
        load_after=round(os.getloadavg()[0], 2),
        during_prune=during,
        without_prune=alone,
        # What the deletion added: the longest wait for one of its locks, and the slowest page and batch beyond
        # the slowest seen without it.
        worst_stall_ms=round(
            max(
                during["longest_lock_wait_ms"],
                during["list"]["max_ms"] - alone["list"]["max_ms"],
                during["sync"]["max_ms"] - alone["sync"]["max_ms"],
            ),
            1,
        ),
        goals={"worst_stall_ms": 1000},
    )


if __name__ == "__main__":
    main()
