"""The retention job deleting the oldest year of a big call table while a call sync writes and the call list is
read: the worst stall each of them sees, against the same two running without the deletion.

Data: `--records` calls over 10 shops and three years (`call_admin.fill`, the sync's upsert; with `--copies N`, a
N-th of them stored so and each shop's calls then copied N-1 times by PostgreSQL, a few minutes at 10M instead of
an hour and a half on a busy machine), or, with `--reuse`, the calls an earlier run (or `call_admin.py`) left in the
database: each run deletes the oldest `--prune-days` of them. A sandbox shop with `--sync-calls` calls is synced
again and again (its calls deleted between passes) while a second process reads the call list (unfiltered, and one
shop's month) as fast as it answers. Each of the three runs in a process of its own.

- the sync: the longest transaction that stores a batch (20,000 calls, their rollups and the cursor);
- the list: the slowest page;
- locks: the longest any session waited for a lock, sampled every 50 ms;
- prune: `pbx.retention.calls_prune` of every shop with the first kept day `--prune-days` (365) after the oldest
  call, resting `--pause` (the job's `RETENTION_PAUSE`; 0: flat out, as before it rested) per second of work.
`worst_stall_ms` is what the deletion added: the longest lock wait, or the slowest page or batch beyond the slowest
seen without it, whichever is more. Goal (PostgreSQL, 2 cores): at most 1 s.

    DATABASE_URL=postgres://... python bench/call_retention.py [--records 1000000 [--copies 20] | --reuse]
        [--sync-calls 200000] [--prune-days 365] [--pause 1.0]
    (at a partner's scale: --records 10000000 --copies 20, then --reuse for a second year)
"""

import argparse
import collections
import contextlib
import gc
import json
import os
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import ROOT, django_against, report, sandbox_process

SYNC_SHOP = "Cửa hàng 00001"


class CpuWatch:
    """Where a page's CPU went: user and system time, the garbage collector's share, page faults, and, every 10 ms
    of this process's CPU (SIGPROF), the line it was on and the innermost line of the console's own code above it."""

    def __init__(self):
        self.samples, self.gc_seconds, self._gc_started = collections.Counter(), 0.0, 0.0
        gc.callbacks.append(self._gc)
        signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, 0.01, 0.01)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, signal.SIG_IGN)  # one still pending would end the process
        gc.callbacks.remove(self._gc)

    def _gc(self, phase, info):
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_seconds += time.perf_counter() - self._gc_started

    def _sample(self, signum, frame):
        where = [_line(frame)]
        while frame is not None and not _ours(frame.f_code.co_filename):
            frame = frame.f_back
        self.samples[" < ".join([*where, _line(frame)] if frame is not None else where)] += 1

    @contextlib.contextmanager
    def page(self):
        self.samples = collections.Counter()
        self.gc_seconds = 0.0
        before = resource.getrusage(resource.RUSAGE_SELF)
        figures = {}
        yield figures
        after = resource.getrusage(resource.RUSAGE_SELF)
        samples, self.samples = self.samples, collections.Counter()  # the handler may add to it while it is read
        figures.update(
            user_ms=_ms(after.ru_utime - before.ru_utime),
            system_ms=_ms(after.ru_stime - before.ru_stime),
            gc_ms=_ms(self.gc_seconds),
            # Pages of memory touched for the first time: each costs the machine's host too.
            page_faults=after.ru_minflt - before.ru_minflt + after.ru_majflt - before.ru_majflt,
            cpu_where=samples.most_common(5),
        )


def _line(frame) -> str:
    return f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno} {frame.f_code.co_name}"


def _ours(filename: str) -> bool:
    return filename.startswith(str(ROOT)) and "site-packages" not in filename


def list_pages(stop: Path) -> dict:
    from call_admin import bench_superuser
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from pbx.models import CallRecord

    client = Client()
    user = bench_superuser()
    client.force_login(user)
    # The second sign-in step, as django_otp.login records it: a superuser reaches no admin page without it.
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    some = CallRecord.objects.order_by("-started_at").values("shop_id", "started_day").first()
    month = some["started_day"].replace(day=1)
    queries = [{}, {"shop": some["shop_id"], "started_from": month.isoformat()}]
    times, slowest = [], []
    watch = CpuWatch()
    while not stop.exists() or not times:
        for query in queries:
            # CaptureQueriesContext keeps the log from one page to the next (no request_started resets it): full at
            # 9,000 queries, it would capture nothing.
            connection.queries_log.clear()
            at = datetime.now(UTC)
            started, cpu = time.perf_counter(), time.process_time()
            with CaptureQueriesContext(connection) as captured, watch.page() as spent:
                assert client.get("/admin/pbx/callrecord/", query).status_code == 200
            times.append(time.perf_counter() - started)
            cpu = time.process_time() - cpu
            sql = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
            slowest = sorted([*slowest, (times[-1], at, cpu, sql, spent)], key=lambda page: -page[0])[:3]
    watch.stop()
    return {
        "pages": len(times),
        "median_ms": round(statistics.median(times) * 1000, 1),
        "max_ms": _ms(max(times)),
        # The slowest pages: when (UTC, to match against the database's log), the CPU this process spent on them
        # (user, system, the garbage collector's, and where), the time of all their SQL, and their two slowest
        # queries.
        "slowest": [
            {
                "ms": _ms(seconds),
                "at": at.strftime("%H:%M:%S.%f")[:-3],
                "cpu_ms": _ms(cpu),
                **spent,
                "sql_ms": _ms(sum(float(q["time"]) for q in sql)),
                "sql": [(q["time"], q["sql"][:150]) for q in sql[:2]],
            }
            for seconds, at, cpu, sql, spent in slowest
        ],
    }


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


def prune(days: int, pause: float) -> dict:
    from datetime import timedelta

    from django.db.models import Min

    from pbx import retention
    from pbx.call_rows import LOCAL
    from pbx.models import CallRecord
    from shops.models import Shop

    oldest = CallRecord.objects.exclude(shop__name=SYNC_SHOP).aggregate(d=Min("started_day"))["d"]
    before = datetime.combine(oldest + timedelta(days=days), datetime.min.time(), LOCAL)
    shops = Shop.objects.exclude(name=SYNC_SHOP).order_by("pk")
    started = time.perf_counter()
    deleted = sum(retention.calls_prune(shop, before, pause=pause) for shop in shops)
    seconds = time.perf_counter() - started
    return {
        "days": days,
        "pause": pause,
        "deleted": deleted,
        "seconds": round(seconds, 1),
        "rows_per_s": round(deleted / seconds),
    }


def copies(n: int) -> None:
    """Each shop's calls copied `n` - 1 times by PostgreSQL (ids suffixed, starts a few minutes later), then the
    rollups recounted and the tables analysed."""
    from datetime import date

    from django.db import connection

    from pbx.models import CallRecord
    from pbx.rollups import rollups_refresh
    from shops.models import Shop

    table = CallRecord._meta.db_table
    columns = [f.column for f in CallRecord._meta.concrete_fields if not f.primary_key]
    shifted = {
        "etelecom_id": "etelecom_id || '~' || k",
        "started_at": "started_at + k * interval '3 minutes'",
        "started_day": "((started_at + k * interval '3 minutes') AT TIME ZONE 'Asia/Ho_Chi_Minh')::date",
    }
    values = ", ".join(shifted.get(column, column) for column in columns)
    with connection.cursor() as cursor:
        for shop in Shop.objects.order_by("pk"):
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} FROM {table},"
                " generate_series(1, %s) AS k WHERE shop_id = %s",
                [n - 1, shop.pk],
            )
            rollups_refresh(shop, date(2000, 1, 1), date(2100, 1, 1))
        cursor.execute("ANALYZE")


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def start(phase: str, database_url: str, sandbox_url: str, stop: Path, *extra: str) -> subprocess.Popen:
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
            *extra,
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


def concurrently(
    database_url: str, sandbox_url: str, tmp: str, *, prune_args: list[str] | None, alone_seconds: float
) -> dict:
    stop = Path(tmp) / f"stop-{prune_args is not None}"
    readers = [start(name, database_url, sandbox_url, stop) for name in ("list", "sync")]
    sampling, waits = threading.Event(), {}
    sampler = threading.Thread(target=lambda: waits.update(lock_waits(sampling)), daemon=True)
    sampler.start()
    if prune_args is not None:
        pruned = result(start("prune", database_url, sandbox_url, stop, *prune_args))
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
    parser.add_argument("--copies", type=int, default=1, help="store a N-th of --records, copy the rest in SQL")
    parser.add_argument("--reuse", action="store_true", help="keep the calls an earlier run left")
    parser.add_argument("--prune-days", type=int, default=365, help="how many of the oldest days the prune deletes")
    parser.add_argument("--pause", type=float, help="the prune's rest per second of work (default: the job's)")
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
        phases = {
            "list": lambda: list_pages(stop),
            "sync": lambda: sync_passes(stop),
            "prune": lambda: prune(args.prune_days, args.pause),
        }
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

        from pbx import directory as pbx_directory
        from pbx.models import CallRecord
        from pbx.retention import RETENTION_PAUSE
        from shops import services as shop_services
        from shops import syncing
        from shops.models import Shop

        call_command("collectstatic", interactive=False, verbosity=0)
        if not args.reuse:
            fill(args.records // args.copies)
            if args.copies > 1:
                copies(args.copies)
        # The statistics' live rows (kept up to date by every insert and delete, unlike the planner's estimate): an
        # exact count reads the whole table, minutes at 10M calls on a busy disk.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_live_tup FROM pg_stat_user_tables WHERE relid = %s::regclass", [CallRecord._meta.db_table]
            )
            calls = cursor.fetchone()[0]
        syncing.run_now("shop_import", shop_services.import_partner_shops_work)
        syncing.run_now("pbx_sync", pbx_directory.directory_sync_work, shop=Shop.objects.get(name=SYNC_SHOP))
        connection.close()
        load = os.getloadavg()[0]
        pause = RETENTION_PAUSE if args.pause is None else args.pause
        prune_args = ["--prune-days", str(args.prune_days), "--pause", str(pause)]
        alone = concurrently(database_url, control.url, tmp, prune_args=None, alone_seconds=args.alone_seconds)
        during = concurrently(database_url, control.url, tmp, prune_args=prune_args, alone_seconds=0)

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
