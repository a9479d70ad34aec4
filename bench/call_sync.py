"""One full call-history sync of a shop with N calls in the sandbox, against two baselines measured in the same run.

- fetch: every ListCallLogs page fetched and JSON-decoded through etelecom.Client, no database;
- insert: the same rows written by the sync's statement as a first pass writes them (`shops.common.upsert`: on
  PostgreSQL a COPY straight into the call table a batch, on SQLite `executemany` into the staging table and one
  `INSERT ... ON CONFLICT`) into a copy of the database, no HTTP, no rollups (reported as `copy_upsert_s` too). The
  rows are prepared outside the clock as the sync's fetcher process prepares them: on PostgreSQL written as COPY
  text (`call_rows.call_copy`), so this half times streaming bytes into COPY and the server's work;
- sync: `call_history_sync_work` as the scheduled job runs it (a run that stops after PBX_CALL_SYNC_RUN_SECONDS is
  followed by the next at once, as the cluster would); then a second sync, which must add no row.

The sandbox stands in for eTelecom's servers, which in production are not on our cores; here it shares the two cores
with the sync, its fetcher and PostgreSQL, and its CPU is in every figure (it encodes its answers with orjson and
makes each call in Python).

Each phase runs in a process of its own, so its peak RSS is its own; a sync past its first batch also starts a fetcher
process (`pbx.fetcher`), whose peak is reported beside it, and the two added up. `efficiency = (fetch_s + insert_s) /
sync_s`; `pipeline_limit_s = max(fetch_s, insert_s)`, the best a sync that fetches while it writes can do.
Goals (2 cores), SQLite: at least 20,000 records/s, efficiency at least 0.8; PostgreSQL: at least 40,000 records/s,
sync_s within 1.25x of pipeline_limit_s; both: peak RSS under 250 MB at 1M, and 0 rows added by the second sync.

    python bench/call_sync.py [--records 1000000]        (DATABASE_URL=postgres://... for PostgreSQL)
"""

import argparse
import json
import os
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path

from _common import child, django_against, report, sandbox_process

SHOP_NAME = "Cửa hàng 00001"
GOALS = {
    "sqlite": {"records_per_s": 20_000, "efficiency": 0.8, "peak_rss_mb_at_1m": 250, "second_sync_new_rows": 0},
    "postgres": {
        "records_per_s": 40_000,
        "sync_to_pipeline_limit": 1.25,
        "peak_rss_mb_at_1m": 250,
        "second_sync_new_rows": 0,
    },
}


def high_water_mb(pid: int | str = "self") -> float:
    """A process's peak RSS (VmHWM). Not `getrusage`: a child started by fork and exec (`subprocess`) inherits its
    parent's peak in `ru_maxrss` (a 300 MB parent's child reported 310 MB; its VmHWM said 8.6 MB), so each phase
    reported the bench's main process, and the fetcher the sync's size when it was started."""
    with open(f"/proc/{pid}/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    return round(kib / 1024, 1)


def _fetcher(pid: str) -> bool:
    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
        return b"pbx.fetcher" in cmdline.read()


class ChildrenPeak(threading.Thread):
    """The largest peak RSS among this process's fetcher processes, read every 50 ms while they run: a fetcher's
    last 50 ms may be missed. A child counts only if its command line is the fetcher's before and after its peak is
    read: between fork and exec a child still shows this process's peak (a 143 MB sync's fetcher was reported at
    142.5 MB)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak, self.stop = 0.0, threading.Event()

    def run(self):
        while not self.stop.wait(0.05):
            for task in os.listdir("/proc/self/task"):
                with open(f"/proc/self/task/{task}/children") as children:
                    for pid in children.read().split():
                        try:
                            if _fetcher(pid) and (peak := high_water_mb(pid)) and _fetcher(pid):
                                self.peak = max(self.peak, peak)
                        except (FileNotFoundError, ProcessLookupError, StopIteration):
                            continue


def phase(name: str, database_url: str, sandbox_url: str, records: int) -> dict:
    """Runs in a child process; returns its figures."""
    django_against(database_url, sandbox_url)
    from shops.models import Shop

    shop = Shop.objects.get(name=SHOP_NAME)
    if name == "fetch":
        from etelecom import pbx
        from shops.clients import job_client

        started, count = time.perf_counter(), 0
        with job_client(shop, "bench") as client:
            for items, _cursor in pbx.iter_call_log_pages(client, limit=1000):
                count += len(items)
        return {"seconds": time.perf_counter() - started, "rows": count, "peak_mb": high_water_mb()}
    if name == "insert":
        from django.db import transaction

        from etelecom.sandbox import datasets
        from etelecom.sandbox.state import State
        from pbx import call_rows, calls
        from pbx.models import Extension
        from shops.common import upsert

        # The sandbox's own generator, with the shop's extensions as the sandbox spreads calls over them.
        extensions = [
            (e.etelecom_id, e.extension_number, e.user_etelecom_id, e.hotline_etelecom_id, e.hotline.hotline)
            for e in Extension.objects.filter(shop=shop).select_related("hotline").order_by("etelecom_id")
        ]
        history = datasets.set_call_history(State(), "0", calls=records, days=3 * 365, lines=extensions, number=1)
        lines = calls.extension_lines(shop)
        # The sync's write half as a first pass writes: its statement, a batch a transaction that need not wait for
        # the disk; the rows are prepared outside the clock, as the sync's fetcher process prepares them.
        statement = calls.call_statement(fresh=True)
        elapsed, count = 0.0, 0
        for first in range(0, records, calls.CALL_BATCH):
            indexes = range(first, min(first + calls.CALL_BATCH, records))
            items = [history.call(i, "http://sandbox") for i in indexes]
            prepared, _days = call_rows.call_page(shop.pk, items, lines, statement.format)
            started = time.perf_counter()
            with transaction.atomic():
                upsert.relaxed_commit()
                statement.execute(prepared)
            elapsed += time.perf_counter() - started
            count += len(prepared)
        return {"seconds": elapsed, "rows": count, "peak_mb": high_water_mb()}
    from pbx import calls
    from pbx.models import CallRecord
    from shops import syncing

    # As the cluster runs it: a run that stops after PBX_CALL_SYNC_RUN_SECONDS is followed by the next at once.
    fetchers = ChildrenPeak()
    fetchers.start()
    started, runs, new = time.perf_counter(), 0, 0
    while True:
        run = syncing.run_now("call_sync", calls.call_history_sync_work, shop=shop)
        run.refresh_from_db()
        runs += 1
        new += run.counts.get("new", 0)
        if run.status != "succeeded" or not run.counts.get("more"):
            break
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "status": run.status,
        "error": run.error,
        "runs": runs,
        "new": new,
        "rows_after": CallRecord.objects.filter(shop=shop).count(),
        "peak_mb": high_water_mb(),
        "fetcher_peak_mb": fetchers.peak,
    }


def run_phase(name: str, database_url: str, sandbox_url: str, records: int) -> dict:
    return child(
        __file__, "--phase", name, "--database-url", database_url, "--sandbox", sandbox_url, "--records", str(records)
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--phase", choices=["fetch", "insert", "sync"])
    parser.add_argument("--database-url")
    parser.add_argument("--sandbox")
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.database_url, args.sandbox, args.records)))
        return

    os.environ["BENCH_SECRET_KEY"] = secrets.token_urlsafe(40)
    outside = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as tmp, sandbox_process("--dataset", "empty") as control:
        control.reset("generated", shops=1, calls_per_shop=args.records, call_days=3 * 365)
        main_db = outside or f"sqlite:///{Path(tmp) / 'sync.sqlite3'}"
        django_against(main_db, control.url)
        from django.core.management import call_command

        from pbx import directory as pbx_directory
        from shops import services as shop_services
        from shops import syncing

        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
        syncing.run_now("shop_import", shop_services.import_partner_shops_work)
        from shops.models import Shop

        syncing.run_now("pbx_sync", pbx_directory.directory_sync_work, shop=Shop.objects.get(name=SHOP_NAME))
        from django.db import connection

        connection.close()
        if outside:
            insert_db = main_db  # PostgreSQL: the insert baseline runs first, then its rows are deleted
        else:
            shutil.copy(Path(tmp) / "sync.sqlite3", Path(tmp) / "insert.sqlite3")
            insert_db = f"sqlite:///{Path(tmp) / 'insert.sqlite3'}"

        fetch = run_phase("fetch", main_db, control.url, args.records)
        insert = run_phase("insert", insert_db, control.url, args.records)
        if outside:
            from pbx.models import CallDaily, CallHourly, CallRecord

            # TRUNCATE, not DELETE: the sync would otherwise insert the same ids past a million dead index entries,
            # each unique check visiting a dead row, until a vacuum.
            tables = ", ".join(model._meta.db_table for model in (CallRecord, CallDaily, CallHourly))
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {tables}")
            connection.close()
        control.clear_requests()
        sync = run_phase("sync", main_db, control.url, args.records)
        calls = control.requests()["methods"].get("Etelecom/ListCallLogs", 0)
        second = run_phase("sync", main_db, control.url, args.records)

    # The sync can go no faster than the slower of its two halves, which it runs side by side.
    limit = max(fetch["seconds"], insert["seconds"])
    report(
        "call_sync",
        records=args.records,
        database=main_db.split(":")[0],
        sync_s=round(sync["seconds"], 2),
        records_per_s=round(args.records / sync["seconds"]),
        sync_status=sync["status"],
        sync_error=sync["error"],
        rows_after_sync=sync["rows_after"],
        sync_runs=sync["runs"],
        list_calls=calls,
        peak_rss_mb=sync["peak_mb"],
        fetcher_peak_rss_mb=sync["fetcher_peak_mb"],
        peak_rss_mb_both=round(sync["peak_mb"] + sync["fetcher_peak_mb"], 1),
        fetch_s=round(fetch["seconds"], 2),
        fetch_rows=fetch["rows"],
        fetch_peak_rss_mb=fetch["peak_mb"],
        insert_s=round(insert["seconds"], 2),
        insert_rows=insert["rows"],
        efficiency=round((fetch["seconds"] + insert["seconds"]) / sync["seconds"], 2),
        copy_upsert_s=round(insert["seconds"], 2),
        pipeline_limit_s=round(limit, 2),
        sync_to_pipeline_limit=round(sync["seconds"] / limit, 2),
        second_sync_s=round(second["seconds"], 2),
        second_sync_new_rows=second["new"],
        rows_after_second_sync=second["rows_after"],
        goals=GOALS["postgres" if outside.startswith("postgres") else "sqlite"],
    )


if __name__ == "__main__":
    main()
