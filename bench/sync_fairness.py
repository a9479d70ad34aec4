"""Do the other shops' call syncs still run in their interval while one shop imports millions of calls?

A django-q2 cluster (`manage.py qcluster`, Q_WORKERS workers, ORM broker) runs the call syncs; this script plays
the scheduler and runs the `call_sync` schedule every `--interval` seconds, as the schedule does every
PBX_CALL_SYNC_MINUTES. The sandbox holds `--shops` shops with a few calls each (synced once before the clock starts,
so theirs are the usual incremental syncs) and one more shop whose first sync has `--big-calls` calls to import.
For every run the fan-outs queue for the small shops: the delay from being queued to being finished. Goal: the
worst delay within the interval, while the big import goes on.

    DATABASE_URL=postgres://... python bench/sync_fairness.py [--big-calls 1000000] [--interval 120] [--cycles 3]
        [--run-seconds 60]     (PBX_CALL_SYNC_RUN_SECONDS; 0 is the design before slices: one run does it all)
    (the issue's figure: --big-calls 5000000 --cycles 4)
"""

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time

from _common import ROOT, django_against, report, sandbox_process

BIG_SHOP = "Cửa hàng 00001"


def main():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        report("sync_fairness", skipped="a PostgreSQL question: set DATABASE_URL=postgres://...")
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--shops", type=int, default=100)
    parser.add_argument("--small-calls", type=int, default=300)
    parser.add_argument("--big-calls", type=int, default=1_000_000)
    parser.add_argument("--interval", type=float, default=120)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--run-seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    os.environ.update(
        BENCH_SECRET_KEY=secrets.token_urlsafe(40),
        PBX_CALL_SYNC_RUN_SECONDS=str(args.run_seconds),
        Q_WORKERS=str(args.workers),
        Q_POLL="0.5",
        REDIS_URL="",  # the ORM broker, the default
        Q_CLUSTER_NAME=f"fairness-{os.getpid()}",
    )
    database_url = os.environ["DATABASE_URL"]
    with sandbox_process("--dataset", "empty") as control:
        control.reset("generated", shops=args.shops + 1, calls_per_shop=args.small_calls, call_days=30)
        big_id = next(shop["id"] for shop in control.shops() if shop["name"] == BIG_SHOP)
        control.set_call_history(big_id, args.big_calls, days=2 * 365)
        django_against(database_url, control.url)
        from django.core.management import call_command
        from django.db import connection

        from pbx import calls, directory
        from pbx.models import CallRecord
        from shops import services as shop_services
        from shops import syncing, tasks
        from shops.models import Shop, SyncRun

        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
        syncing.run_now("shop_import", shop_services.import_partner_shops_work)
        for shop in Shop.objects.order_by("name"):
            syncing.run_now("pbx_sync", directory.directory_sync_work, shop=shop)
            if shop.name != BIG_SHOP:
                syncing.run_now("call_sync", calls.call_history_sync_work, shop=shop)
        connection.close()

        from django.utils import timezone

        load, clock = os.getloadavg()[0], timezone.now()
        cluster = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            started = time.monotonic()
            for cycle in range(args.cycles):
                tasks.run_schedule("call_sync")
                time.sleep(max(0.0, started + (cycle + 1) * args.interval - time.monotonic()))
            # Let the last cycle's small runs finish (they are what is measured), within one more interval.
            deadline = time.monotonic() + args.interval
            small = SyncRun.objects.filter(kind="call_sync", queued_at__gte=clock).exclude(shop__name=BIG_SHOP)
            while small.filter(status__in=["queued", "running"]).exists() and time.monotonic() < deadline:
                time.sleep(1)
        finally:
            cluster.send_signal(signal.SIGTERM)
            cluster.wait(timeout=120)

        measured = small
        delays = sorted(
            (run.finished_at - run.queued_at).total_seconds()
            for run in measured.filter(finished_at__isnull=False).only("queued_at", "finished_at")
        )
        big = Shop.objects.get(name=BIG_SHOP)
        big_runs = SyncRun.objects.filter(kind="call_sync", shop=big)
        report(
            "sync_fairness",
            database=database_url.split(":")[0],
            shops=args.shops,
            big_calls=args.big_calls,
            interval_s=args.interval,
            cycles=args.cycles,
            run_seconds=args.run_seconds,
            workers=args.workers,
            load_before=round(load, 2),
            load_after=round(os.getloadavg()[0], 2),
            small_runs=measured.count(),
            small_runs_unfinished=measured.filter(finished_at__isnull=True).count(),
            small_runs_failed=measured.filter(status="failed").count(),
            worst_delay_s=round(delays[-1], 1) if delays else None,
            median_delay_s=round(delays[len(delays) // 2], 1) if delays else None,
            big_runs=big_runs.count(),
            big_runs_failed=big_runs.filter(status="failed").count(),
            big_calls_stored=CallRecord.objects.filter(shop=big).count(),
            goals={"worst_delay_s": args.interval},
        )


if __name__ == "__main__":
    main()
