"""One full sync of 100,000 call permission requests (one shop, one OA) from the sandbox into a SQLite file.

The sync runs in a process of its own, so its peak RSS is its own; a second, incremental sync follows. Prints
records per second, wall time and peak RSS of each.

    python bench/consent_sync.py [--consents 100000]        (DATABASE_URL=postgres://... too)
"""

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, report, sandbox_process


def setup(database_url: str, sandbox_url: str) -> None:
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


def sync(database_url: str, sandbox_url: str) -> dict:
    """In a child process: one consent sync of the only shop."""
    setup(database_url, sandbox_url)
    from shops import syncing
    from shops.models import Shop
    from zalo import services
    from zalo.models import Consent

    started = time.perf_counter()
    run = syncing.run_now("consent_sync", services.consents_sync_work, shop=Shop.objects.get())
    seconds = time.perf_counter() - started
    run.refresh_from_db()
    return {
        "seconds": seconds,
        "status": run.status,
        "error": run.error,
        "counts": run.counts,
        "rows": Consent.objects.count(),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def child(database_url: str, sandbox_url: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", "--database-url", database_url, "--sandbox", sandbox_url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--consents", type=int, default=100_000)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--database-url")
    parser.add_argument("--sandbox")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(sync(args.database_url, args.sandbox)))
        return

    os.environ["BENCH_SECRET_KEY"] = secrets.token_urlsafe(40)
    outside = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as tmp, sandbox_process("--dataset", "empty") as control:
        control.reset("generated", shops=1, oas_per_shop=1, consents_per_oa=args.consents)
        database_url = outside or f"sqlite:///{Path(tmp) / 'consents.sqlite3'}"
        setup(database_url, control.url)
        from django.core.management import call_command
        from django.db import connection

        from shops import services as shop_services
        from shops import syncing
        from shops.models import Shop
        from zalo import services

        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
        syncing.run_now("shop_import", shop_services.import_partner_shops_work)
        syncing.run_now("oa_sync", services.oa_sync_work, shop=Shop.objects.get())
        connection.close()
        control.clear_requests()
        first = child(database_url, control.url)
        pages = control.requests()["methods"].get("Zalo/ListRequestConsent", 0)
        second = child(database_url, control.url)

    report(
        "consent_sync",
        consents=args.consents,
        database=database_url.split(":")[0],
        sync_s=round(first["seconds"], 2),
        records_per_s=round(args.consents / first["seconds"]),
        status=first["status"],
        error=first["error"],
        rows_after=first["rows"],
        list_calls=pages,
        peak_rss_mb=first["peak_mb"],
        second_sync_s=round(second["seconds"], 2),
        second_sync_counts=second["counts"],
        rows_after_second=second["rows"],
    )


if __name__ == "__main__":
    main()
