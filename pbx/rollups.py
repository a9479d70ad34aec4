"""The call rollups the reports read: calls per local day and per hour of day, recounted from the call records for
the days a sync or a webhook touched; the days summed by shop without the lines (what the report's days read),
recounted from the daily rows of those days; and the same summed by month (what a report reads for the whole months
of a long range), recounted from the days for the months those days are in; all in the writer's transaction."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce, TruncMonth

from shops.common import upsert
from shops.models import Shop

from .call_rows import LOCAL
from .models import CallDaily, CallHourly, CallMonthly, CallMonthlyHour, CallRecord, CallShopDaily

# What the calls report shows of a group of rollup rows, and the `CallShopDaily` column that holds each summed
# for a shop's day.
SUMS = {
    "count": Sum("calls"),
    "answered": Sum("calls", filter=Q(call_state=CallRecord.CallState.ANSWERED)),
    "inbound": Sum("calls", filter=Q(direction=CallRecord.Direction.INBOUND)),
    "outbound": Sum("calls", filter=Q(direction=CallRecord.Direction.OUTBOUND)),
    "duration": Sum("total_duration"),
}
SHOP_DAY_COLUMNS = {
    "count": "calls",
    "answered": "answered_calls",
    "inbound": "inbound_calls",
    "outbound": "outbound_calls",
    "duration": "total_duration",
}

# Each monthly rollup, the daily one it sums, and the columns both group by besides the shop and the month.
MONTHLY = [
    (
        CallMonthly,
        CallDaily,
        ["direction", "call_state", "extension_etelecom_id", "hotline_etelecom_id", "user_etelecom_id"],
    ),
    (CallMonthlyHour, CallHourly, ["hour", "direction", "call_state"]),
]


def rollups_refresh(shop: Shop, first: date, last: date) -> None:
    """Recount the daily and hourly rollups of `shop` from `first` to `last` (local days) from the call records,
    then its days without the lines and the monthly rollups of the months those days are in, from the daily ones,
    in the caller's transaction."""
    upsert.recount_lock("call_rollups", shop.pk)
    CallDaily.objects.filter(shop=shop, day__gte=first, day__lte=last).delete()
    CallHourly.objects.filter(shop=shop, day__gte=first, day__lte=last).delete()
    quote = connection.ops.quote_name
    calls = quote(CallRecord._meta.db_table)
    # Over the (shop, started_at) index: the days are whole local days, so their time range is exact.
    where = "WHERE shop_id = %s AND started_at >= %s AND started_at < %s"
    start = datetime.combine(first, datetime.min.time(), LOCAL)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), LOCAL)
    params = [shop.pk, *(connection.ops.adapt_datetimefield_value(moment) for moment in (start, end))]
    daily = "shop_id, started_day, direction, call_state, extension_etelecom_id, hotline_etelecom_id, user_etelecom_id"
    hourly = "shop_id, started_day, started_hour, direction, call_state"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(CallDaily._meta.db_table)} (shop_id, day, direction, call_state,"
            f" extension_etelecom_id, hotline_etelecom_id, user_etelecom_id, calls, total_duration, max_duration)"
            f" SELECT {daily}, COUNT(*), SUM(duration), MAX(duration) FROM {calls} {where} GROUP BY {daily}",
            params,
        )
        cursor.execute(
            f"INSERT INTO {quote(CallHourly._meta.db_table)} (shop_id, day, hour, direction, call_state, calls,"
            f" total_duration) SELECT {hourly}, COUNT(*), SUM(duration) FROM {calls} {where} GROUP BY {hourly}",
            params,
        )
    _shop_days_recount(shop, first, last)
    _months_recount(shop, first, last)


def rollups_prune(shop: Shop, day: date) -> None:
    """Delete `shop`'s rollups of the days before `day` (what the retention keeps no calls of), and recount the
    month `day` is in from the days left, in the caller's transaction."""
    upsert.recount_lock("call_rollups", shop.pk)
    CallDaily.objects.filter(shop=shop, day__lt=day).delete()
    CallHourly.objects.filter(shop=shop, day__lt=day).delete()
    CallShopDaily.objects.filter(shop=shop, day__lt=day).delete()
    for monthly, _daily, _columns in MONTHLY:
        monthly.objects.filter(shop=shop, month__lt=day.replace(day=1)).delete()
    _months_recount(shop, day, day)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _shop_days_recount(shop: Shop, first: date, last: date) -> None:
    """Recount `shop`'s days from `first` to `last` without the lines from its daily rollups (already current),
    with one INSERT … SELECT."""
    CallShopDaily.objects.filter(shop=shop, day__gte=first, day__lte=last).delete()
    sums = (
        CallDaily.objects.filter(shop=shop, day__gte=first, day__lte=last)
        .values_list("shop_id", "day")
        .annotate(**{key: Coalesce(total, 0) for key, total in SUMS.items()})
        .order_by()
    )
    sql, params = sums.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in ["shop_id", "day", *SHOP_DAY_COLUMNS.values()])
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(CallShopDaily._meta.db_table)} ({names}) {sql}", params)


def _months_recount(shop: Shop, first: date, last: date) -> None:
    """Recount `shop`'s monthly rollups of the months from `first`'s to `last`'s from its daily ones (already
    current), with one INSERT … SELECT each."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for monthly, daily, columns in MONTHLY:
            monthly.objects.filter(shop=shop, month__gte=month_start(first), month__lte=last).delete()
            sums = (
                daily.objects.filter(shop=shop, day__gte=month_start(first), day__lte=month_end(last))
                .annotate(month_of=TruncMonth("day"))
                .values_list("shop_id", "month_of", *columns)
                .annotate(calls_sum=Sum("calls"), duration_sum=Sum("total_duration"))
                .order_by()
            )
            sql, params = sums.query.sql_with_params()
            names = ", ".join(quote(name) for name in ["shop_id", "month", *columns, "calls", "total_duration"])
            cursor.execute(f"INSERT INTO {quote(monthly._meta.db_table)} ({names}) {sql}", params)
