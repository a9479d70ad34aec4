"""One full OA sync cycle through a real django-q2 cluster: 100 shops with 50 OAs each in the sandbox.

The cycle queues one run per shop; `--workers` cluster workers run them (ListOA, then GetShopOA per OA, upsert, a
snapshot per OA, an audit row per call). The baseline, measured in the same run: as many bare `GetShopOA` calls as
there are OAs, from `--workers` processes with a keep-alive session each. Goal: the cycle within 1.5x of the
baseline and under 60 s.

    python bench/oa_sync.py [--shops 100] [--oas 50] [--workers 4]
"""

import argparse
import multiprocessing
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from _common import ROOT, report, sandbox_process


def bare_calls(args):
    """One baseline process: GetShopOA for each (key, oa_id), on one keep-alive session."""
    base, pairs = args
    session = requests.Session()
    session.trust_env = False  # a strict limit: no per-request environment lookups
    for key, oa_id in pairs:
        response = session.post(
            f"{base}.Zalo/GetShopOA", json={"oa_id": oa_id}, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )
        response.raise_for_status()
        response.json()
    return len(pairs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shops", type=int, default=100)
    parser.add_argument("--oas", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, sandbox_process("--dataset", "empty") as control:
        control.reset("generated", shops=args.shops, oas_per_shop=args.oas)
        env = {
            **os.environ,
            "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ETELECOM_SHOP_BASE_URL": f"{control.url}/v1/shop",
            "ETELECOM_PARTNER_BASE_URL": f"{control.url}/v1/partner",
            "Q_WORKERS": str(args.workers),
            "Q_POLL": "0.1",
            "LOG_LEVEL": "WARNING",
            "STATIC_ROOT": tmp,
        }
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "etelecom_console.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django_q.tasks import async_task, fetch

        from shops import services as shop_services
        from shops import syncing
        from shops.models import SyncRun
        from zalo import tasks
        from zalo.models import OfficialAccount

        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)  # a DATABASE_URL given from outside starts empty too
        syncing.run_now("shop_import", shop_services.import_partner_shops_work)

        cluster = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # Warm up: the cycle is timed once every worker has answered a task.
            warmup = [async_task("math.floor", n / 2) for n in range(args.workers * 2)]
            while any(fetch(task_id) is None for task_id in warmup):
                time.sleep(0.1)
            control.clear_requests()
            started = time.perf_counter()
            queued = tasks.sync_all_oas()
            done = SyncRun.objects.filter(kind="oa_sync").exclude(status__in=["queued", "running"])
            while done.count() < queued:
                time.sleep(0.05)
            cycle_s = time.perf_counter() - started
        finally:
            cluster.terminate()
            cluster.wait(timeout=60)
        calls = control.requests()["methods"]
        statuses = {s: SyncRun.objects.filter(kind="oa_sync", status=s).count() for s in ("succeeded", "failed")}
        oas = OfficialAccount.objects.count()

        keys = {shop["id"]: shop["shop_key"] for shop in control.shops()}
        pairs = [(keys[oa["shop_id"]], oa["oa_id"]) for oa in control.oas()]
        chunks = [pairs[n :: args.workers] for n in range(args.workers)]
        started = time.perf_counter()
        with multiprocessing.Pool(args.workers) as pool:
            baseline_calls = sum(pool.map(bare_calls, [(f"{control.url}/v1/partner", chunk) for chunk in chunks]))
        baseline_s = time.perf_counter() - started

    report(
        "oa_sync",
        shops=args.shops,
        oas=oas,
        workers=args.workers,
        runs=statuses,
        cycle_s=round(cycle_s, 2),
        oas_per_s=round(oas / cycle_s, 1),
        http_calls=sum(calls.values()),
        http_calls_by_method=calls,
        baseline_getshopoa_calls=baseline_calls,
        baseline_s=round(baseline_s, 2),
        baseline_calls_per_s=round(baseline_calls / baseline_s, 1),
        ratio=round(cycle_s / baseline_s, 2),
        goal_ratio=1.5,
        goal_cycle_s=60,
        database=env["DATABASE_URL"].split(":")[0],
    )


if __name__ == "__main__":
    main()
