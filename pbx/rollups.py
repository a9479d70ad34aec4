"""The call rollups the reports read: calls per local day and per hour of day, recounted from the call records for
the days a sync or a webhook touched, in the writer's transaction."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import connection

from shops.common import upsert
from shops.models import Shop

from .call_rows import LOCAL
from .models import CallDaily, CallHourly, CallRecord


def rollups_refresh(shop: Shop, first: date, last: date) -> None:
    """Recount the daily and hourly rollups of `shop` from `first` to `last` (local days) from the call records, in
    the caller's transaction."""
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
