"""One full sync of 100,000 call permission requests (one shop, one OA) from the sandbox into a SQLite file.

The sync runs in a process of its own, so its peak RSS is its own; a second, incremental sync follows. Prints
records per second, wall time and peak RSS of each.

    python bench/consent_sync.py [--consents 100000]        (DATABASE_URL=postgres://... too)
"""

import argparse
import json
import os
import secrets
import tempfile
import time
from pathlib import Path

from _common import child, django_against, peak_rss_mb, report, sandbox_process


def sync(database_url: str, sandbox_url: str) -> dict:
    """In a child process: one consent sync of the only shop."""
    django_against(database_url, sandbox_url)
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
        "peak_mb": peak_rss_mb(),
    }


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
        django_against(database_url, control.url)
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
        first = child(__file__, "--child", "--database-url", database_url, "--sandbox", control.url)
        pages = control.requests()["methods"].get("Zalo/ListRequestConsent", 0)
        second = child(__file__, "--child", "--database-url", database_url, "--sandbox", control.url)

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
