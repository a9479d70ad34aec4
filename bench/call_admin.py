"""The call changelist at 10,000 and 1,000,000 calls: median milliseconds and SQL queries per page.

Pages: unfiltered; one shop and one month; a search by a customer's number. Calls come from the sandbox's own
generator, 10 shops with 4 extensions each over three years, written with the sync's upsert (no HTTP), then
ANALYZEd (and on SQLite checkpointed) as a database that has run for a while would be. A superuser's view,
through Django's test client.
Also the CSV export of one shop's last year, streamed as a browser downloads it, against a bare
`COPY (its query) TO STDOUT` of the same rows on PostgreSQL: rows a second and the growth of the peak RSS.
Goals: at most 150 ms median at the largest size, at most 1.5x the smallest size's figure, the same query count at
every size; the export at least half the rate of the bare COPY, with flat memory.

    python bench/call_admin.py [--sizes 10000 1000000] [--repeat 15]     (DATABASE_URL=postgres://... too)
    python bench/call_admin.py --sizes 1000000 10000000                  (PostgreSQL at a partner's scale)
"""

import argparse
import os
import secrets
import tempfile
from datetime import date, datetime
from pathlib import Path

from _common import measure_page, peak_rss_mb, report

SHOPS = 10


def setup(database_url: str, static_root: str) -> None:
    os.environ.update(
        DATABASE_URL=database_url,
        STATIC_ROOT=static_root,
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "etelecom_console.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # pages are served as in production


def seed_calls(calls: int, *, shops: int, days: int, users: bool) -> None:
    """`shops` shops ("Cửa hàng 01"...) with a hotline and four extensions each (with a PBX user each if `users`),
    and `calls` calls spread over them and the last `days` days by the sandbox's generator, stored as the sync
    stores them, with their rollups."""
    from etelecom.sandbox import datasets
    from etelecom.sandbox.state import State
    from pbx import call_rows, calls, rollups
    from pbx.models import Extension, Hotline, PbxUser
    from shops.models import Shop

    statement = call_rows.call_statement()
    state = State()
    for n in range(1, shops + 1):
        shop = Shop.objects.create(name=f"Cửa hàng {n:02d}", etelecom_id=str(n), connection="partner")
        hotline = Hotline.objects.create(shop=shop, etelecom_id=f"h{n}", hotline=f"02800000{n:03d}")
        lines = []
        for m in range(4):
            user = (
                PbxUser.objects.create(shop=shop, etelecom_id=f"u{n}-{m}", full_name=f"Nhân viên {n}-{m}")
                if users
                else None
            )
            extension = Extension.objects.create(
                shop=shop,
                etelecom_id=f"e{n}-{m}",
                extension_number=str(101 + m),
                hotline=hotline,
                hotline_etelecom_id=hotline.etelecom_id,
                user=user,
                user_etelecom_id=user.etelecom_id if user else "",
            )
            lines.append(
                (
                    extension.etelecom_id,
                    extension.extension_number,
                    extension.user_etelecom_id,
                    hotline.etelecom_id,
                    hotline.hotline,
                )
            )
        history = datasets.set_call_history(state, str(n), calls=calls // shops, days=days, lines=lines, number=n)
        known = calls.extension_lines(shop)
        for first in range(0, history.count, 20_000):
            items = [history.call(i, "http://sandbox") for i in range(first, min(first + 20_000, history.count))]
            statement.execute(statement.prepare(call_rows.call_rows(shop.pk, items, known)))
        rollups.rollups_refresh(shop, date(2000, 1, 1), date(2100, 1, 1))


def fill(calls: int) -> dict:
    """`calls` calls over SHOPS shops; returns a shop id, a month in the middle and a customer's number."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    seed_calls(calls, shops=SHOPS, days=3 * 365, users=False)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as a database that has been running a while
    from pbx.models import CallRecord

    calls_of_shop = CallRecord.objects.filter(shop__name="Cửa hàng 05", direction="in").order_by("started_at")
    middle = calls_of_shop[calls_of_shop.count() // 2]
    last_day = calls_of_shop.order_by("-started_at").values_list("started_day", flat=True)[0]
    return {"shop": middle.shop_id, "day": middle.started_day, "number": middle.customer_number, "last_day": last_day}


def measure_export(shop: int, last_day: date) -> dict:
    """The CSV export of one shop's year as a browser downloads it (streamed), against a bare `COPY (the export's
    query) TO STDOUT` of the same rows (PostgreSQL); rows a second for both, and how much the peak RSS grew."""
    import time

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from pbx.admin import EXPORT_COLUMNS
    from pbx.models import CallRecord

    client = Client()
    client.force_login(_superuser())
    first_day = date.fromordinal(last_day.toordinal() - 364)
    query = {"shop": shop, "started_from": first_day.isoformat(), "started_to": last_day.isoformat()}
    rss, started = peak_rss_mb(), time.perf_counter()
    response = client.get("/admin/pbx/callrecord/export/", query)
    lines = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
    seconds = time.perf_counter() - started
    figures = {
        "rows": lines,
        "seconds": round(seconds, 2),
        "rows_per_s": round(lines / seconds),
        "peak_rss_growth_mb": round(peak_rss_mb() - rss, 1),
    }
    if connection.vendor == "postgresql":
        zone = timezone.get_current_timezone()
        rows = (
            CallRecord.objects.filter(
                shop_id=shop,
                started_at__gte=datetime.combine(first_day, datetime.min.time(), zone),
                started_at__lt=datetime.combine(date.fromordinal(last_day.toordinal() + 1), datetime.min.time(), zone),
            )
            .order_by("-started_at", "-id")
            .values_list(*[name for name, _label in EXPORT_COLUMNS])
        )
        sql, params = rows.query.sql_with_params()
        started, size = time.perf_counter(), 0
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
            for chunk in copy:
                size += bytes(chunk).count(b"\n")
        copy_seconds = time.perf_counter() - started
        figures.update(copy_rows=size, copy_seconds=round(copy_seconds, 2), copy_rows_per_s=round(size / copy_seconds))
        figures["rate_to_copy"] = round(copy_seconds / seconds, 2)
    return figures


def _superuser():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def measure(pages: dict, repeat: int) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(_superuser())
    figures = {}
    url = "/admin/pbx/callrecord/"
    for name, query in pages.items():
        figures[name] = measure_page(client, url, query, repeat)
        figures[name]["rows"] = client.get(url, query).content.decode().count('class="field-started"')
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    outside = os.environ.get("DATABASE_URL", "")
    results, exports = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        setup(outside or f"sqlite:///{Path(tmp) / 'admin.sqlite3'}", str(Path(tmp) / "static"))
        for size in args.sizes:
            where = fill(size)
            month = where["day"].replace(day=1)
            pages = {
                "unfiltered": {},
                "shop_and_month": {
                    "shop": where["shop"],
                    "started_from": month.isoformat(),
                    "started_to": _month_end(month).isoformat(),
                },
                "number_search": {"q": where["number"]},
            }
            results[size] = measure(pages, args.repeat)
            exports[size] = measure_export(where["shop"], where["last_day"])
    small, large = min(args.sizes), max(args.sizes)
    report(
        "call_admin",
        database=(outside or "sqlite").split(":")[0],
        pages={str(size): figures for size, figures in results.items()},
        ratio_large_to_small={
            name: round(results[large][name]["median_ms"] / results[small][name]["median_ms"], 2)
            for name in results[large]
        },
        export_of_a_shop_year={str(size): figures for size, figures in exports.items()},
        same_query_count=all(
            results[large][name]["queries"] == results[small][name]["queries"] for name in results[large]
        ),
        goals={"median_ms_at_largest": 150, "ratio": 1.5, "same_query_count": True, "export_rate_to_copy": 0.5},
    )


def _month_end(month: date) -> date:
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


if __name__ == "__main__":
    main()
