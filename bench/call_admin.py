"""The call changelist at 10,000 and 1,000,000 calls: median milliseconds and SQL queries per page.

Pages: unfiltered; one shop and one month; a search by a customer's number. Calls come from the sandbox's own
generator, 10 shops with 4 extensions each over three years, written with the sync's upsert (no HTTP), then
ANALYZEd (and on SQLite checkpointed) as a database that has run for a while would be. A superuser's view,
through Django's test client.
Also the CSV export of one shop's last year, streamed as a browser downloads it, against a bare
`COPY (its query) TO STDOUT` of the same rows on PostgreSQL: rows a second and the growth of the peak RSS. The two
take turns three times after a first export has warmed the cache (run first and cold, the export measured 0.33x
the bare COPY that followed it warm; in turns, 0.67x), and each figure is the median.
Goals: at most 150 ms median at the largest size, at most 1.5x the smallest size's figure, the same query count at
every size; the export at least half the rate of the bare COPY, with flat memory.

    python bench/call_admin.py [--sizes 10000 1000000] [--repeat 15]     (DATABASE_URL=postgres://... too)
    python bench/call_admin.py --sizes 1000000 10000000                  (PostgreSQL at a partner's scale)
    python bench/call_admin.py --keep [--grow-to 10000000]               (the calls a run left, grown in SQL)

The generator writes about 14,000 calls/s on a quiet machine and a fifth of that on a busy one, so 10M calls take
an hour or more. `--grow-to` makes them from the calls a run left instead: each call copied in SQL with a new
eTelecom id, a start a few seconds later and the customer's number changed in one digit (the same shops, lines and
days, ten times as many calls a day), then every rollup recounted by `rollups_refresh` as the sync does.
"""

import argparse
import os
import secrets
import statistics
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
    from pbx import call_rows, rollups
    from pbx.calls import call_statement, extension_lines
    from pbx.models import Extension, Hotline, PbxUser
    from shops.models import Shop

    statement = call_statement()
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
        known = extension_lines(shop)
        for first in range(0, history.count, 20_000):
            items = [history.call(i, "http://sandbox") for i in range(first, min(first + 20_000, history.count))]
            statement.execute(statement.prepare(call_rows.call_rows(shop.pk, items, known)))
        rollups.rollups_refresh(shop, date(2000, 1, 1), date(2100, 1, 1))


def fill(calls: int) -> dict:
    """`calls` calls over SHOPS shops; returns what `locate` does."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    seed_calls(calls, shops=SHOPS, days=3 * 365, users=False)
    return locate()


def grow(calls: int) -> None:
    """Copy the calls in the database (PostgreSQL) until there are about `calls`: copy k of each call has the
    eTelecom id `<id>.k`, starts k*7 seconds later (its local day and hour recomputed) and has the k-th digit of
    its customer's number changed; then every shop's rollups are recounted."""
    from django.db import connection, transaction

    from pbx import rollups
    from pbx.models import CallRecord
    from shops.models import Shop

    have = CallRecord.objects.count()
    fields = [f.column for f in CallRecord._meta.concrete_fields if f.column != "id"]
    changed = {
        "etelecom_id": "etelecom_id || '.' || %(k)s",
        "started_at": "started_at + %(k)s * interval '7 seconds'",
        "started_day": "((started_at + %(k)s * interval '7 seconds') AT TIME ZONE 'Asia/Ho_Chi_Minh')::date",
        "started_hour": "extract(hour FROM (started_at + %(k)s * interval '7 seconds') AT TIME ZONE"
        " 'Asia/Ho_Chi_Minh')",
        "customer_number": "{number}",
        "caller": "CASE WHEN caller = customer_number THEN {number} ELSE caller END",
        "callee": "CASE WHEN callee = customer_number THEN {number} ELSE callee END",
    }
    number = (
        "CASE WHEN length(customer_number) >= 9 THEN overlay(customer_number PLACING %(k)s::text FROM 4 FOR 1)"
        " ELSE customer_number END"
    )
    select = ", ".join(changed.get(name, name).format(number=number) for name in fields)
    last = CallRecord.objects.order_by("-id").values_list("id", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # the copies' shops and lines exist: no FK checks
        for k in range(1, calls // have):
            cursor.execute(
                f"INSERT INTO pbx_callrecord ({', '.join(fields)}) SELECT {select} FROM pbx_callrecord"
                " WHERE id <= %(last)s",
                {"k": k, "last": last},
            )
        cursor.execute("RESET session_replication_role")
    for shop in Shop.objects.order_by("pk"):
        with transaction.atomic():
            rollups.rollups_refresh(shop, date(2000, 1, 1), date(2100, 1, 1))


def locate() -> dict:
    """ANALYZE (and on SQLite checkpoint) the database, as one that has been running a while; returns a shop id, a
    month in the middle and a customer's number."""
    from django.db import connection

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
    from django.utils import timezone

    from pbx.admin import EXPORT_COLUMNS
    from pbx.models import CallRecord

    client = superuser_client()
    first_day = date.fromordinal(last_day.toordinal() - 364)
    query = {"shop": shop, "started_from": first_day.isoformat(), "started_to": last_day.isoformat()}

    def export() -> tuple[int, float]:
        started = time.perf_counter()
        response = client.get("/admin/pbx/callrecord/export/", query)
        lines = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
        return lines, time.perf_counter() - started

    rss = peak_rss_mb()
    lines, seconds = export()
    figures = {"rows": lines, "peak_rss_growth_mb": round(peak_rss_mb() - rss, 1)}
    if connection.vendor != "postgresql":
        figures.update(seconds=round(seconds, 2), rows_per_s=round(lines / seconds))
        return figures
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

    def bare() -> tuple[int, float]:
        started, size = time.perf_counter(), 0
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
            for chunk in copy:
                size += bytes(chunk).count(b"\n")
        return size, time.perf_counter() - started

    # The first export above read the rows into the cache; from here the two take turns, so neither is measured
    # against the other's warm cache, and each figure is the median of three.
    exports, copies = [], []
    for _ in range(3):
        exports.append(export()[1])
        size, copy_seconds = bare()
        copies.append(copy_seconds)
    seconds, copy_seconds = statistics.median(exports), statistics.median(copies)
    figures.update(seconds=round(seconds, 2), rows_per_s=round(lines / seconds))
    figures.update(copy_rows=size, copy_seconds=round(copy_seconds, 2), copy_rows_per_s=round(size / copy_seconds))
    figures["rate_to_copy"] = round(copy_seconds / seconds, 2)
    return figures


def superuser_client():
    """A test client signed in as a superuser, second sign-in step done (superusers reach no admin page without
    it), as tests/conftest.py's verified_login does."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = bench_superuser()
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="authenticator", defaults={"confirmed": True})
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def bench_superuser():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def measure(pages: dict, repeat: int) -> dict:

    client = superuser_client()
    figures = {}
    url = "/admin/pbx/callrecord/"
    for name, query in pages.items():
        figures[name] = measure_page(client, url, query, repeat)
        figures[name]["rows"] = client.get(url, query).content.decode().count('class="field-started')
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="measure the calls in the database as they are")
    parser.add_argument(
        "--grow-to", type=int, help="with --keep: first copy the calls in SQL until there are this many"
    )
    args = parser.parse_args()
    outside = os.environ.get("DATABASE_URL", "")
    results, exports = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        setup(outside or f"sqlite:///{Path(tmp) / 'admin.sqlite3'}", str(Path(tmp) / "static"))
        if args.keep:
            from django.core.management import call_command

            from pbx.models import CallRecord

            call_command("migrate", verbosity=0)
            if args.grow_to:
                grow(args.grow_to)
            args.sizes = [CallRecord.objects.count()]
        for size in args.sizes:
            where = locate() if args.keep else fill(size)
            month = where["day"].replace(day=1)
            pages = {
                "unfiltered": {},
                "shop_and_month": {
                    "shop": where["shop"],
                    "started_from": month.isoformat(),
                    "started_to": month_end(month).isoformat(),
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


def month_end(month: date) -> date:
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


if __name__ == "__main__":
    main()
