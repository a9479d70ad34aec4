"""The four report pages over a 90-day range, and the dashboard of 1,000 shops: median milliseconds and SQL
queries per page.

Data: 1,000,000 calls (10 shops, 4 extensions and users each, over a year, from the sandbox's own generator,
written with the sync's upsert and rollup refresh); 200 OAs with 90 days of snapshots every 15 minutes (1.7M
rows) and their daily rows; 100,000 ZNS messages and 100,000 call permission requests over those 90 days, with
their rollups recounted as the sync recounts them. A superuser's view (every shop), through Django's test client.
Each page is also measured for a 30-day and a 365-day range: the query count must not depend on the range.
The dashboard (the admin index) is measured with 1,000 shops, each with an OA and 10 runs of each of 6 sync kinds
(60,000 runs, one shop in ten failing), on its first and its last page.
Goal: every report page at most 300 ms median for 90 days and for a year, and the same query count for 30, 90 and
365 days. At a partner's scale: `--calls 10000000` on PostgreSQL.

    python bench/reports.py [--calls 1000000] [--oas 200] [--messages 100000] [--repeat 15]
    (DATABASE_URL=postgres://... too; `--keep-calls` on a database a `call_admin.py --sizes ... 10000000` run left)
"""

import argparse
import os
import random
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from _common import measure_page, report
from call_admin import seed_calls, setup, superuser_client

SHOPS = 10
DAYS = 90
SNAPSHOTS_PER_DAY = 96  # the OA sync runs every 15 minutes


def fill_zalo(oas: int, messages: int, consents: int, today: date) -> None:
    from django.utils import timezone

    from shops.common import upsert
    from shops.models import Shop
    from zalo import rollups
    from zalo.models import Consent, Message, OADaily, OASnapshot, OfficialAccount, ZnsTemplate

    rng = random.Random(7)
    local = timezone.get_default_timezone()
    shops = list(Shop.objects.order_by("pk"))
    now = timezone.now()
    accounts = [
        OfficialAccount.objects.create(
            shop=shops[n % len(shops)], oa_id=f"oa{n}", name=f"OA {n:03d}", status="P", synced_at=now
        )
        for n in range(oas)
    ]
    templates = ZnsTemplate.objects.bulk_create(
        ZnsTemplate(oa=oa, template_id=410000 + m, name=f"Mẫu {m}", status="ENABLE", price=300, synced_at=now)
        for oa in accounts
        for m in range(4)
    )
    first = today - timedelta(days=DAYS - 1)
    qualities = ["HIGH", "HIGH", "MEDIUM", "LOW", "UNDEFINED"]
    columns = ["oa", "taken_at", "status", "current_quality", "last_week_quality", "daily_quota", "remaining_quota"]
    days = []
    for oa in accounts:
        quota = rng.choice([500, 1000, 2000])
        for d in range(DAYS):
            day = first + timedelta(days=d)
            quality = rng.choice(qualities)
            start = datetime.combine(day, datetime.min.time(), local)
            snapshots = [
                (oa.pk, start + timedelta(minutes=15 * s), "P", quality, "HIGH", quota, quota - quota * s // 120)
                for s in range(SNAPSHOTS_PER_DAY)
            ]
            upsert.insert(OASnapshot, columns, snapshots)
            last = snapshots[-1]
            days.append(
                OADaily(
                    oa=oa,
                    day=day,
                    status="P",
                    current_quality=quality,
                    last_week_quality="HIGH",
                    daily_quota=quota,
                    remaining_quota=last[-1],
                    lowest_remaining=last[-1],
                    snapshots=SNAPSHOTS_PER_DAY,
                    last_taken_at=last[1],
                )
            )
    OADaily.objects.bulk_create(days, batch_size=5000)

    def moment(n: int, count: int) -> datetime:
        return datetime.combine(first, datetime.min.time(), local) + timedelta(seconds=n * DAYS * 86400 // count)

    batch = []
    for n in range(messages):
        template = templates[n % len(templates)]
        sent = moment(n, messages)
        batch.append(
            Message(
                oa_id=template.oa_id,
                template=template,
                template_id_sent=template.template_id,
                etelecom_id=f"m{n}",
                phone=f"09{n:08d}",
                status="P" if n % 20 else "N",
                delivery_status="received" if n % 5 else "unknown",
                fee_main=300,
                is_charged=bool(n % 20),
                request_time=sent,
                sent_time=sent,
                day=sent.astimezone(local).date(),
            )
        )
    Message.objects.bulk_create(batch, batch_size=5000)
    batch = []
    for n in range(consents):
        oa = accounts[n % len(accounts)]
        asked = moment(n, consents)
        batch.append(
            Consent(
                oa=oa,
                etelecom_id=f"c{n}",
                phone=f"09{n:08d}",
                call_type=["audio", "video", "audio_and_video"][n % 3],
                reason_code=Consent.Reason.values[n % 5],
                status="P",
                reply_status=["P", "P", "P", "N", "NS", "S"][n % 6],
                expires_at=asked + timedelta(days=30),
                etelecom_created_at=asked,
                etelecom_updated_at=asked,
                day=asked.astimezone(local).date(),
                synced_at=now,
            )
        )
    Consent.objects.bulk_create(batch, batch_size=5000)
    pairs = [(oa.pk, first + timedelta(days=d)) for oa in accounts for d in range(DAYS)]
    rollups.refresh_messages(pairs)
    rollups.refresh_consents(pairs)


def fill_dashboard(shops: int) -> None:
    """Shops up to `shops`, each with an OA and 10 runs of each of 6 kinds."""
    from django.utils import timezone

    from shops.models import Shop, SyncRun
    from zalo.models import OfficialAccount

    now = timezone.now()
    first = Shop.objects.count() + 1
    Shop.objects.bulk_create(
        Shop(name=f"Cửa hàng {n:04d}", etelecom_id=str(n), connection="partner") for n in range(first, shops + 1)
    )
    extra = Shop.objects.filter(name__gte=f"Cửa hàng {first:04d}")
    OfficialAccount.objects.bulk_create(
        OfficialAccount(
            shop=shop,
            oa_id=f"d{shop.pk}",
            name=f"OA {shop.name}",
            status="P",
            daily_quota=1000,
            remaining_quota=shop.pk % 1000,
            current_quality="HIGH",
            synced_at=now,
        )
        for shop in extra
    )
    kinds = ["credential_check", "oa_sync", "consent_sync", "message_sync", "pbx_sync", "call_sync"]
    runs = []
    for shop in Shop.objects.all():
        for kind in kinds:
            for n in range(10):
                failed = n == 0 and shop.pk % 10 == 0
                runs.append(
                    SyncRun(
                        shop=shop,
                        kind=kind,
                        status="failed" if failed else "succeeded",
                        started_at=now - timedelta(minutes=15 * n + 1),
                        finished_at=now - timedelta(minutes=15 * n),
                    )
                )
    SyncRun.objects.bulk_create(runs, batch_size=5000)


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as a database that has been running a while


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--oas", type=int, default=200)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--consents", type=int, default=100_000)
    parser.add_argument("--shops", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--keep-calls", action="store_true", help="the calls a call_admin.py run left (10 shops, 3 years, no users)"
    )
    parser.add_argument(
        "--reports",
        nargs="+",
        default=["calls", "zalo", "consents", "messaging"],
        help="only these (calls alone: no Zalo data is made)",
    )
    parser.add_argument("--no-dashboard", action="store_true")
    args = parser.parse_args()
    outside = os.environ.get("DATABASE_URL", "")
    reports = tuple(args.reports)
    with tempfile.TemporaryDirectory() as tmp:
        setup(outside or f"sqlite:///{Path(tmp) / 'reports.sqlite3'}", str(Path(tmp) / "static"))
        from django.core.management import call_command
        from django.utils import timezone

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        if args.keep_calls:
            from pbx.models import CallRecord
            from shops.models import Shop, SyncRun
            from zalo.models import OfficialAccount

            args.calls = CallRecord.objects.count()
            # What a run before left besides the calls: its OAs (with their ZNS and requests), runs and shops.
            OfficialAccount.objects.all().delete()
            SyncRun.objects.all().delete()
            Shop.objects.filter(name__regex=r"^Cửa hàng [0-9]{4}$").delete()
        else:
            call_command("flush", interactive=False, verbosity=0)
            seed_calls(args.calls, shops=SHOPS, days=365, users=True)
        today = timezone.localdate()
        if set(reports) != {"calls"}:
            fill_zalo(args.oas, args.messages, args.consents, today)
        analyze()
        fill_s = time.perf_counter() - started
        client = superuser_client()
        figures = {}
        for name in reports:
            for days in (30, DAYS, 365):
                query = {"start": (today - timedelta(days=days - 1)).isoformat(), "end": today.isoformat()}
                url = f"/admin/reports/{name}/"
                figures.setdefault(name, {})[f"{days}_days"] = measure_page(client, url, query, args.repeat)
        if not args.no_dashboard:
            fill_dashboard(args.shops)  # after the reports: their data set is the one the issue names
            analyze()
            figures["dashboard"] = {
                "first_page": measure_page(client, "/admin/", {}, args.repeat),
                "last_page": measure_page(client, "/admin/", {"page": "last"}, args.repeat),
            }
    long = f"{DAYS}_days"
    report(
        "reports",
        database=(outside or "sqlite").split(":")[0],
        data={
            "calls": args.calls,
            "oas": args.oas,
            "snapshot_days": DAYS,
            "messages": args.messages,
            "consents": args.consents,
            "dashboard_shops": args.shops,
        },
        fill_s=round(fill_s, 1),
        pages=figures,
        slowest_report_ms=max(figures[name][f"{days}_days"]["median_ms"] for name in reports for days in (DAYS, 365)),
        same_query_count=all(
            figures[name]["30_days"]["queries"]
            == figures[name][long]["queries"]
            == figures[name]["365_days"]["queries"]
            for name in reports
        ),
        goals={"median_ms": 300, "same_query_count": True},
    )


if __name__ == "__main__":
    main()
