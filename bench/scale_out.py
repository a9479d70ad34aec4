"""Scaling the job cluster out: the OA sync of 2,000 shops through one `qcluster` process, then two, sharing one
Redis broker and one PostgreSQL database, against a sandbox that answers every call 50 ms late (eTelecom is far).

Each phase queues one OA sync per shop (as the `oa_sync` schedule does) and times it from queueing
to the last run's end; throughput is shops per second, and the goal is two processes at least 1.8 times one. A
third phase, on two processes, queues every shop of a sample twice at once, so that both processes are offered
runs of the same (shop, kind) together: the partial unique index must let one run and skip the other. Overlaps are
counted from the SyncRun rows of every phase: two runs of one (shop, kind) whose started..finished intervals
intersect (must be 0), with how many of those would have been in different processes.

The machine is shared: the load average before and after each phase is in the output, and `--rounds` times one
process and two in turns (the figures are those of the round of the median ratio).

    DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/<n> \\
        python bench/scale_out.py [--shops 2000] [--latency-ms 50] [--workers 2] [--contended 500] [--rounds 1]

It empties the database named by DATABASE_URL and the broker's queue: give it one of its own.
"""

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time

from _common import ROOT, report, sandbox_process


def load() -> float:
    return round(os.getloadavg()[0], 2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shops", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--workers", type=int, default=2, help="workers per qcluster process (Q_WORKERS)")
    parser.add_argument("--contended", type=int, default=500, help="shops queued twice at once in the last phase")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of one process and two, in turns")
    args = parser.parse_args()
    database, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database.startswith("postgres") or not redis.startswith("redis"):
        # `make bench` goes on without them (a machine with neither, as the demo runs on).
        report("scale_out", skipped="needs DATABASE_URL=postgres://... and REDIS_URL=redis://... of its own")
        return

    with tempfile.TemporaryDirectory() as tmp, sandbox_process("--dataset", "empty") as control:
        control.reset("generated", shops=args.shops, oas_per_shop=1)
        env = {
            **os.environ,
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ETELECOM_SHOP_BASE_URL": f"{control.url}/v1/shop",
            "ETELECOM_PARTNER_BASE_URL": f"{control.url}/v1/partner",
            "Q_WORKERS": str(args.workers),
            "Q_CLUSTER_NAME": f"scale-out-{secrets.token_hex(4)}",  # both processes share this queue, no other
            "LOG_LEVEL": "WARNING",
            "STATIC_ROOT": tmp,
        }
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "etelecom_console.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import transaction
        from django_q.brokers import get_broker
        from django_q.tasks import async_task, fetch

        from shops import services as shop_services
        from shops import syncing, tasks
        from shops.models import Shop, SyncRun

        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
        get_broker().purge_queue()
        syncing.run_now("shop_import", shop_services.import_partner_shops_work)  # before the latency: not measured
        shops = Shop.objects.count()
        assert shops == args.shops, f"{shops} shops imported of {args.shops}"
        control.faults(latency_ms=args.latency_ms)
        runs = SyncRun.objects.filter(kind="oa_sync")

        def clusters(count: int) -> list[subprocess.Popen]:
            started = [
                subprocess.Popen(
                    [sys.executable, "manage.py", "qcluster"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for _ in range(count)
            ]
            warmup = [async_task("math.floor", n / 2) for n in range(args.workers * count * 2)]
            while any(fetch(task_id) is None for task_id in warmup):
                time.sleep(0.1)
            return started

        def stop(processes) -> None:
            for process in processes:
                process.terminate()  # the main process: SIGTERM to the group does not stop a cluster (FIELD-NOTES)
            for process in processes:
                process.wait(timeout=60)

        def wait_for(count: int) -> None:
            while runs.exclude(status__in=["queued", "running"]).count() < count:
                time.sleep(0.1)

        def phase(count: int) -> dict:
            processes = clusters(count)
            try:
                before, ended = load(), runs.exclude(status__in=["queued", "running"]).count()
                started = time.perf_counter()
                queued = tasks.run_schedule("oa_sync")
                wait_for(ended + queued)
                elapsed = time.perf_counter() - started
            finally:
                stop(processes)
            return {
                "processes": count,
                "workers": count * args.workers,
                "shops": queued,
                "seconds": round(elapsed, 1),
                "shops_per_s": round(queued / elapsed, 1),
                "load_before": before,
                "load_after": load(),
            }

        # The machine's speed drifts with the other work on it: rounds time one process and two in turns.
        rounds = []
        for index in range(args.rounds):
            counts = (1, 2) if index % 2 == 0 else (2, 1)
            measured = {count: phase(count) for count in counts}
            rounds.append({"one": measured[1], "two": measured[2]})
        ratios = [r["two"]["shops_per_s"] / r["one"]["shops_per_s"] for r in rounds]
        middle = sorted(range(len(rounds)), key=lambda n: ratios[n])[len(rounds) // 2]  # the round of the median

        processes = clusters(2)
        try:
            ended = runs.exclude(status__in=["queued", "running"]).count()
            first = (runs.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
            sample = list(Shop.objects.order_by("?")[: args.contended])
            with transaction.atomic():
                for shop in sample:
                    syncing.enqueue("oa_sync", shop=shop)
                    syncing.enqueue("oa_sync", shop=shop)
            wait_for(ended + 2 * len(sample))
        finally:
            stop(processes)
        contended = {
            "shops": len(sample),
            "runs": 2 * len(sample),
            **{status: runs.filter(status=status, pk__gte=first).count() for status in ("succeeded", "skipped")},
        }

        overlaps = cross_process = 0
        ran = runs.exclude(started_at=None).exclude(finished_at=None).order_by("shop_id", "started_at")
        latest: dict[int, tuple] = {}  # shop -> (end, worker) of the run that ends last among those started so far
        for shop_id, start, end, worker in ran.values_list("shop_id", "started_at", "finished_at", "worker").iterator():
            if shop_id in latest and start < latest[shop_id][0]:
                overlaps += 1
                cross_process += worker != latest[shop_id][1]
            if shop_id not in latest or end > latest[shop_id][0]:
                latest[shop_id] = (end, worker)
        workers_seen = len(set(runs.exclude(worker="").values_list("worker", flat=True)))
        statuses = {s: runs.filter(status=s).count() for s in ("succeeded", "failed", "skipped")}

    report(
        "scale_out",
        shops=args.shops,
        latency_ms=args.latency_ms,
        workers_per_process=args.workers,
        one_process=rounds[middle]["one"],
        two_processes=rounds[middle]["two"],
        ratio=round(statistics.median(ratios), 2),
        round_ratios=[round(ratio, 2) for ratio in ratios],
        goal_ratio=1.8,
        contended=contended,
        overlapping_runs=overlaps,
        overlapping_runs_across_processes=cross_process,
        goal_overlapping_runs=0,
        worker_processes_seen=workers_seen,
        runs=statuses,
        cpus=os.cpu_count(),
        load_at_end=load(),
        database="postgresql",
        broker="redis",
    )


if __name__ == "__main__":
    main()
